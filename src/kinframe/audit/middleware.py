from django.http import HttpRequest, HttpResponse

from .context import RequestOrigin, current_origin


class RequestContextMiddleware:
    """Remember the caller's address for audit events and photo views written during the request.

    REMOTE_ADDR is used as is: behind a proxy, configure the proxy (or gunicorn's
    ``--forwarded-allow-ips``) to set it, rather than trusting a header any client can send.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = RequestOrigin(
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )
        token = current_origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            current_origin.reset(token)
