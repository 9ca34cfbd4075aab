"""The HTTP API for tablet vendors and roster feeds; OpenAPI schema and docs at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="Kinframe API", version="1", urls_namespace="api")


@api.get("/health", summary="Liveness check", tags=["service"])
def health(request) -> dict[str, str]:
    return {"status": "ok"}
