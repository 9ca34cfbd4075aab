from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from kinframe.api.urls import api

admin.site.site_header = "Kinframe operations"
admin.site.site_title = "Kinframe"
# The admin signs in through allauth (rate limits, the TOTP step), never its own password-only form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("kinframe.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("kiosk/", include("kinframe.kiosk.urls")),
    path("console/", include("kinframe.console.urls")),
    path("payments/", include("kinframe.payments.urls")),
    path("api/", api.urls),
    path("", include("kinframe.sender.urls")),
]
