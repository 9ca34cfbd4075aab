"""Who may call the API, what it may do and where, the answers it has already given, and the
webhooks it is sent."""

from django.db import models


class Scope(models.TextChoices):
    """The operations a client may use. A request outside its scopes gets 403."""

    ROSTER_READ = "roster:read", "Read the roster"
    ROSTER_WRITE = "roster:write", "Book, move and release people"
    PHOTOS_READ = "photos:read", "List and fetch people's delivered photos"
    PHOTOS_VIEW = "photos:view", "Record that a person viewed a photo"
    CONNECTIONS_READ = "connections:read", "Read people's connections and requests"
    CONNECTIONS_DECIDE = "connections:decide", "Approve, decline and end connections for people"


class ApiClient(models.Model):
    """An agency's system (a roster feed) or a tablet vendor's that calls the API.

    The bearer token is shown once when the client is created or its secret rotated; only its
    SHA-256 and a short prefix (to tell tokens apart in the admin and in logs) are kept, so a
    database leak leaks no usable credential. After a rotation the previous token keeps working
    until ``previous_token_expires_at`` so the vendor can roll it out, then it gets 401.
    """

    class Kind(models.TextChoices):
        ROSTER_FEED = "roster_feed", "Roster feed (agency system)"
        TABLET_VENDOR = "tablet_vendor", "Tablet vendor"

    DEFAULT_SCOPES = {
        Kind.ROSTER_FEED: [Scope.ROSTER_READ, Scope.ROSTER_WRITE],
        Kind.TABLET_VENDOR: [
            Scope.PHOTOS_READ,
            Scope.PHOTOS_VIEW,
            Scope.CONNECTIONS_READ,
            Scope.CONNECTIONS_DECIDE,
        ],
    }

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ROSTER_FEED)
    agency = models.ForeignKey(
        "facilities.Agency", on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(
        max_length=100, help_text="Which system this is, e.g. 'JMS nightly feed'"
    )
    token_prefix = models.CharField(max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    previous_token_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    previous_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    facilities = models.ManyToManyField(
        "facilities.Facility",
        blank=True,
        related_name="+",
        help_text="The facilities whose people a tablet vendor may reach (all of the agency's "
        "for a roster feed).",
    )
    scopes = models.JSONField(default=list, blank=True, help_text="The operations it may use")
    is_active = models.BooleanField(
        default=True, help_text="Untick to refuse this token from its next request."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API client"
        ordering = ["agency__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


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


class WebhookEndpoint(models.Model):
    """A URL where a client wants to be told of events, signed per the Standard Webhooks spec.

    The signing secret (``whsec_`` + base64) must be kept readable to sign with; it is shown to
    the client once, when the endpoint is registered, and to operators in the admin.
    """

    class Event(models.TextChoices):
        PHOTO_DELIVERED = "photo.delivered"
        CONNECTION_REQUESTED = "connection.requested"
        INMATE_RELEASED = "inmate.released"

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="The event types sent here")
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "created_at", "id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint, and how sending it went. Retries keep the same ``message_id``
    (the spec's ``webhook-id``) so a receiver can drop duplicates."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=40)
    message_id = models.CharField(max_length=40, unique=True)
    payload = models.TextField(help_text="The JSON body exactly as signed and sent")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"
