from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from kinframe.audit.actors import Actor

from .access import signed_in_user
from .models import User
from .services import EnrolmentLinkError, enrolment_link_issue


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "phone", "is_active", "is_superuser", "date_joined"]
    search_fields = ["username", "email", "phone"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Contact", {"fields": ["phone", "phone_verified"]}),
    )
    actions = ["issue_enrolment_links"]

    @admin.action(description="Issue second-factor enrolment link")
    def issue_enrolment_links(self, request: HttpRequest, queryset) -> HttpResponse | None:
        """One-time links for staff or operators to set up a second factor, shown once."""
        actor = Actor.operator(signed_in_user(request))
        issued = []
        for user in queryset.order_by("username"):
            try:
                link, token = enrolment_link_issue(actor=actor, user=user)
            except EnrolmentLinkError as error:
                self.message_user(request, f"{user}: {error}", messages.ERROR)
                continue
            url = request.build_absolute_uri(reverse("mfa_enrolment_link", args=[token]))
            issued.append({"user": user, "url": url, "expires_at": link.expires_at})
        if not issued:
            return None
        context = {**self.admin_site.each_context(request), "issued": issued, "opts": self.opts}
        return TemplateResponse(request, "admin/accounts/user/enrolment_links.html", context)
