"""Kinframe's user: senders, facility staff and operators all sign in as a ``User``.

Incarcerated people are not users: they sign in at a kiosk with a facility, an inmate number and a
PIN (see ``facilities.Inmate``), so a roster import never creates web accounts.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person with a web login. Custom from the first migration so fields can be added later."""

    phone = models.CharField(
        "mobile number", max_length=20, blank=True, help_text="E.164, e.g. +15551234567"
    )
    phone_verified = models.BooleanField(default=False)
    language = models.CharField(
        max_length=16,
        blank=True,
        help_text="The language this person chose (a code from LANGUAGES); blank follows the browser.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~models.Q(phone=""), name="accounts_user_phone_unique"
            )
        ]

    def __str__(self) -> str:
        return self.username


class EnrolmentLink(models.Model):
    """A one-time link that lets one staff member or operator set up their second factor.

    Issued by a facility admin (console) or an operator (admin action) and handed over in person or
    by message; only the SHA-256 of its token is stored. Without one, someone who signed in with the
    password alone cannot add an authenticator: a stolen password must not be enough to enrol the
    thief's phone. It works once (``used_at``) and until ``expires_at``.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_links")
    token_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"second-factor enrolment link for {self.user}"
