"""The HTTP API for tablet vendors and roster feeds; OpenAPI schema and docs at /api/docs.

The docs page loads Swagger UI from ninja's bundled static files (``"ninja"`` is installed), never
from a CDN. Errors are RFC 9457 problem details (``problems.py``).
"""

from .problems import KinframeApi
from .roster import router as roster_router
from .tablets import router as tablets_router
from .webhook_endpoints import router as webhooks_router

api = KinframeApi(
    title="Kinframe API",
    version="1",
    urls_namespace="api",
    description="Roster feeds for agencies' jail management systems, and tablet vendors' access "
    "to people's photos and connection requests. Authenticate with `Authorization: Bearer kf_...` "
    "(an operator creates the client in the admin). Writes accept an `Idempotency-Key` header. "
    "Errors are RFC 9457 problem details (`application/problem+json`).",
)
api.add_router("/v1/", roster_router)
api.add_router("/v1/", tablets_router)
api.add_router("/v1/", webhooks_router)


@api.get("/health", summary="Liveness check", tags=["service"], auth=None)
def health(request) -> dict[str, str]:
    return {"status": "ok"}
