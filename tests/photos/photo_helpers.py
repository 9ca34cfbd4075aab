"""Images and uploads for the photo tests (made with Pillow, so nothing binary is checked in)."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kinframe.credits.models import LedgerEntry
from kinframe.credits.selectors import balance_of


def image_bytes(
    fmt: str = "JPEG", size: tuple[int, int] = (800, 600), *, exif: bool = False
) -> bytes:
    """A small picture with some detail (a gradient), optionally carrying EXIF with GPS data."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    if fmt == "GIF":
        image = image.convert("P")
    buffer = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0110] = "Phone 15"  # Model
        data[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0)}  # GPSInfo
        kwargs["exif"] = data.tobytes()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def jpeg_upload(
    name: str = "photo.jpg", *, size=(800, 600), exif: bool = False
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG", size, exif=exif), content_type="image/jpeg")


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(root: Path) -> list[Path]:
    """Every file in the test's private storage folder."""
    return [path for path in Path(root).rglob("*") if path.is_file()] if Path(root).exists() else []


def charges(user) -> int:
    return LedgerEntry.objects.filter(wallet__user=user, kind=LedgerEntry.Kind.PHOTO_CHARGE).count()


def refunds(user) -> int:
    return LedgerEntry.objects.filter(wallet__user=user, kind=LedgerEntry.Kind.PHOTO_REFUND).count()


__all__ = [
    "balance_of",
    "charges",
    "image_bytes",
    "jpeg_upload",
    "refunds",
    "stored_files",
    "upload",
]
