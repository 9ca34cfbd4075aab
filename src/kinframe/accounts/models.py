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

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~models.Q(phone=""), name="accounts_user_phone_unique"
            )
        ]

    def __str__(self) -> str:
        return self.username
