from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .mfa import second_factor_redirect


class AdminSecondFactorMiddleware:
    """Operators use a second factor for the Django admin, as staff do for the console.

    The admin's own login page is replaced by allauth's (``secure_admin_login`` in urls.py), which
    asks for the TOTP code; this catches any session that got in another way.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        user = request.user
        if request.path.startswith(self.admin_prefix) and user.is_authenticated and user.is_staff:
            elsewhere = second_factor_redirect(request)
            if elsewhere is not None:
                return elsewhere
        return self.get_response(request)
