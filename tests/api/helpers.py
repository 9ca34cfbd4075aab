"""A small client for the roster feed, as an agency's system would call it."""

import json


class Feed:
    """Calls /api/v1/ the way an agency's system does: a bearer token, JSON, optional key."""

    def __init__(self, client, token: str | None):
        self.client, self.token = client, token

    def headers(self, key: str | None = None) -> dict[str, str]:
        headers = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def put(self, number: str, body=None, *, key: str | None = None, raw: str | None = None):
        data = raw if raw is not None else json.dumps(body)
        return self.client.put(
            f"/api/v1/inmates/{number}",
            data,
            content_type="application/json",
            headers=self.headers(key),
        )

    def book(self, number: str, facility, first="Ada", last="Lovelace", *, key=None):
        return self.put(
            number, {"facility": facility.code, "first_name": first, "last_name": last}, key=key
        )

    def release(self, number: str, *, key: str | None = None):
        return self.client.post(f"/api/v1/inmates/{number}/release", headers=self.headers(key))

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1/{path}", params, headers=self.headers())
