"""The operator creates API clients here, sees a token once, sets what a client may do and where,
rotates and revokes secrets, and reads and replays webhook deliveries."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from kinframe.admin_readonly import ReadOnlyModelAdmin
from kinframe.audit.actors import Actor

from .models import ApiClient, IdempotencyRecord, Scope, WebhookDelivery, WebhookEndpoint
from .services import (
    api_client_create,
    api_client_revoke,
    api_client_rotate_secret,
    api_client_set_access,
    api_client_update,
)
from .webhooks import webhook_delivery_replay


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty on a new client for its kind's usual scopes.",
    )

    class Meta:
        model = ApiClient
        fields = ["agency", "name", "kind", "facilities", "scopes", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].required = False

    def clean_kind(self):
        return self.cleaned_data.get("kind") or ApiClient.Kind.ROSTER_FEED

    def clean(self):
        data = super().clean()
        agency = data.get("agency") or getattr(self.instance, "agency", None)
        facilities = data.get("facilities") or []
        if agency is not None and any(f.agency_id != agency.pk for f in facilities):
            self.add_error("facilities", "Choose only the agency's own facilities.")
        return data


def _show_token(modeladmin, request, client, token):
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "client": client,
        "token": token,
    }
    response = TemplateResponse(request, "admin/api/apiclient/token.html", context)
    response["Cache-Control"] = "no-store"
    return response


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = [
        "name", "agency", "kind", "token_prefix", "is_active", "created_at", "last_used_at",
    ]  # fmt: skip
    list_filter = ["kind", "is_active", "agency"]
    search_fields = ["name", "token_prefix", "agency__name"]
    list_select_related = ["agency"]
    filter_horizontal = ["facilities"]
    readonly_fields = [
        "token_prefix", "created_at", "last_used_at", "previous_token_expires_at", "revoked_at",
    ]  # fmt: skip
    actions = ["rotate_secret", "revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["agency", "name", "kind", "facilities", "scopes"]
        return [
            "agency",
            "name",
            "kind",
            "facilities",
            "scopes",
            "is_active",
            *self.readonly_fields,
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["agency", "kind", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        """Through the services: a new client gets a token (kept for ``response_add``), and
        every change is audited. Facilities are set here, not by ``save_related``."""
        actor = Actor.operator(request.user)
        facilities = form.cleaned_data.get("facilities") or []
        scopes = form.cleaned_data.get("scopes") or []
        if change:
            api_client_update(client=obj, actor=actor, name=obj.name, is_active=obj.is_active)
            api_client_set_access(client=obj, actor=actor, scopes=scopes, facilities=facilities)
            return
        client, token = api_client_create(
            agency=obj.agency,
            name=obj.name,
            actor=actor,
            kind=obj.kind,
            scopes=scopes or None,
            facilities=facilities,
        )
        obj.pk, obj.token_prefix, obj.created_at = client.pk, client.token_prefix, client.created_at
        request._kinframe_api_token = token

    def save_related(self, request, form, formsets, change):
        """Facilities were set (and audited) by the service in ``save_model``."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(request, "_kinframe_api_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        return _show_token(self, request, obj, token)

    @admin.action(description="Rotate the secret (the old one works for the grace period)")
    def rotate_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Rotate one client at a time.", messages.ERROR)
            return None
        try:
            client, token = api_client_rotate_secret(
                client=queryset.get(), actor=Actor.operator(request.user)
            )
        except ValueError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        return _show_token(self, request, client, token)

    @admin.action(description="Revoke: refuse every token of these clients now")
    def revoke(self, request, queryset):
        for client in queryset:
            api_client_revoke(client=client, actor=Actor.operator(request.user))
        self.message_user(request, f"Revoked {queryset.count()} client(s).")

    def has_delete_permission(self, request, obj=None):
        return False  # switch a client off instead: its audit trail and idempotency keys stay


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyModelAdmin):
    """Read-only: what each client asked, under which key, and the answer it was given."""

    list_display = ["created_at", "client", "method", "path", "key", "response_status"]
    list_filter = ["client__agency", "method", "response_status"]
    search_fields = ["key", "path"]
    list_select_related = ["client"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyModelAdmin):
    """Registered by clients through the API (which shows the secret once); read-only here."""

    list_display = ["url", "client", "events", "is_active", "created_at"]
    list_filter = ["is_active", "client"]
    list_select_related = ["client"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyModelAdmin):
    """The delivery log. **Replay** sends a delivery again (same id and body, new signature)."""

    list_display = [
        "created_at", "event_type", "endpoint", "status", "attempts", "last_status_code",
        "last_attempt_at",
    ]  # fmt: skip
    list_filter = ["status", "event_type"]
    search_fields = ["message_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    actions = ["replay"]

    @admin.action(description="Replay the selected deliveries")
    def replay(self, request, queryset):
        for delivery in queryset:
            webhook_delivery_replay(delivery=delivery, actor=Actor.operator(request.user))
        self.message_user(request, f"Queued {queryset.count()} deliveries again.")
