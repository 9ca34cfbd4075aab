"""Handing a photo's bytes to the one person allowed to see them.

Views decide *who* may see a photo; this module only turns an already-authorised photo into a
response. Files are private: with ``PHOTO_SENDFILE`` set, the web server (nginx ``X-Accel-Redirect`` or
Apache ``X-Sendfile``) streams the file from an internal location; on S3 the browser is redirected to a
signed URL that expires in seconds; otherwise Django streams it. Every response is ``private, no-store``
so no shared cache keeps a copy.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase

from .models import Photo

VARIANTS = ("display", "thumbnail")


def photo_file_response(photo: Photo, variant: str = "display") -> HttpResponseBase:
    if variant not in VARIANTS:
        raise Http404("No such photo variant.")
    field = photo.image if variant == "display" else photo.thumbnail
    if not field:
        raise Http404("This photo is not ready.")
    response: HttpResponseBase
    if settings.PHOTO_SENDFILE == "x-accel":
        response = HttpResponse(content_type="image/jpeg")
        response["X-Accel-Redirect"] = settings.PHOTO_SENDFILE_PREFIX + field.name
    elif settings.PHOTO_SENDFILE == "x-sendfile":
        response = HttpResponse(content_type="image/jpeg")
        response["X-Sendfile"] = field.path
    elif settings.STORAGE_BACKEND == "s3":
        response = HttpResponseRedirect(
            field.url
        )  # signed, expires in S3 querystring_expire seconds
    else:
        response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
