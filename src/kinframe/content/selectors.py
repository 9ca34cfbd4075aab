from __future__ import annotations

from .models import SitePage


def site_page(*, slug: str) -> SitePage | None:
    return SitePage.objects.filter(slug=slug).first()
