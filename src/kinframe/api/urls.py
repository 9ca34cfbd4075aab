"""The HTTP API for tablet vendors and roster feeds; OpenAPI schema and docs at /api/docs.

The docs page loads Swagger UI from ninja's bundled static files (``"ninja"`` is installed), never
from a CDN.
"""

from ninja import NinjaAPI

from .roster import router as roster_router

api = NinjaAPI(
    title="Kinframe API",
    version="1",
    urls_namespace="api",
    description="Roster feeds for agencies' jail management systems. Authenticate with "
    "`Authorization: Bearer kf_...` (an operator creates the client in the admin). Writes accept "
    "an `Idempotency-Key` header.",
)
api.add_router("/v1/", roster_router)


@api.get("/health", summary="Liveness check", tags=["service"])
def health(request) -> dict[str, str]:
    return {"status": "ok"}
