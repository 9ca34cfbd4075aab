"""The operator creates an agency's API client here and sees its token once."""

from django.contrib import admin
from django.template.response import TemplateResponse

from kinframe.admin_readonly import ReadOnlyModelAdmin
from kinframe.audit.actors import Actor

from .models import ApiClient, IdempotencyRecord
from .services import api_client_create, api_client_update


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "token_prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active", "agency"]
    search_fields = ["name", "token_prefix", "agency__name"]
    list_select_related = ["agency"]
    readonly_fields = ["token_prefix", "created_at", "last_used_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["agency", "name"]
        return ["agency", "name", "is_active", "token_prefix", "created_at", "last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["agency", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        """Through the services: a new client gets a token (kept for ``response_add``), and
        every change is audited."""
        if change:
            api_client_update(
                client=obj,
                actor=Actor.operator(request.user),
                name=obj.name,
                is_active=obj.is_active,
            )
            return
        client, token = api_client_create(
            agency=obj.agency, name=obj.name, actor=Actor.operator(request.user)
        )
        obj.pk, obj.token_prefix, obj.created_at = client.pk, client.token_prefix, client.created_at
        request._kinframe_api_token = token

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(request, "_kinframe_api_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "client": obj,
            "token": token,
        }
        response = TemplateResponse(request, "admin/api/apiclient/token.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def has_delete_permission(self, request, obj=None):
        return False  # switch a client off instead: its audit trail and idempotency keys stay


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyModelAdmin):
    """Read-only: what each client asked, under which key, and the answer it was given."""

    list_display = ["created_at", "client", "method", "path", "key", "response_status"]
    list_filter = ["client__agency", "method", "response_status"]
    search_fields = ["key", "path"]
    list_select_related = ["client"]
