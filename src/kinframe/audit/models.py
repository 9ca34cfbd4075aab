"""The audit trail: who did what to which object, where and when. Append-only."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One recorded action. Written by the services in the same transaction as the change."""

    class ActorKind(models.TextChoices):
        SENDER = "sender", _("Sender")
        INMATE = "inmate", _("Inmate")
        STAFF = "staff", _("Staff")
        OPERATOR = "operator", _("Operator")
        SYSTEM = "system", _("System")
        API_CLIENT = "api_client", _("Api Client")

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(
        max_length=64, db_index=True, help_text="Namespaced, e.g. photo.rejected"
    )
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_inmate = models.ForeignKey(
        "facilities.Inmate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    target_type = models.CharField(max_length=64, blank=True, help_text="app_label.model")
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    facility = models.ForeignKey(
        "facilities.Facility", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The console's trail reads one facility newest first, by keyset on (created_at, id), and
        # filters by action or actor: each has an index that serves both the filter and the order.
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["facility", "created_at", "id"], name="audit_facility_time_idx"),
            models.Index(
                fields=["facility", "action", "created_at", "id"], name="audit_facility_action_idx"
            ),
            models.Index(
                fields=["facility", "actor_user", "created_at", "id"],
                name="audit_facility_actor_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} by {self.actor_label or self.actor_kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only and cannot be deleted.")
