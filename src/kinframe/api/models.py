"""Who may call the API (one credential per agency system) and the answers it has already given."""

from django.db import models


class ApiClient(models.Model):
    """An agency's system (a jail management system, a roster feed) that calls the API.

    The bearer token is shown once when the client is created; only its SHA-256 and a short
    prefix (to tell tokens apart in the admin and in logs) are kept, so a database leak leaks no
    usable credential.
    """

    agency = models.ForeignKey(
        "facilities.Agency", on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(
        max_length=100, help_text="Which system this is, e.g. 'JMS nightly feed'"
    )
    token_prefix = models.CharField(max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(
        default=True, help_text="Untick to refuse this token from its next request."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API client"
        ordering = ["agency__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"


class IdempotencyRecord(models.Model):
    """One write a client made under an ``Idempotency-Key``, with the answer it got.

    A retry with the same key and the same request gets the same answer without acting again; the
    same key on a different request is refused. The row is written in the same transaction as the
    write it guards, so it exists exactly when the write happened.
    """

    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    body_sha256 = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(
        blank=True, help_text="The JSON exactly as sent, so a replay is byte for byte the same."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="api_idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"

    def matches(self, *, method: str, path: str, body_sha256: str) -> bool:
        return (self.method, self.path, self.body_sha256) == (method, path, body_sha256)
