"""Pictures for the flag tests and the detector's labelled set; pure Pillow, no Django."""

from __future__ import annotations

import io
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

PHOTOS = Path(__file__).resolve().parent.parent / "fixtures" / "photos"


def real_photo() -> bytes:
    """A camera photo (CC BY-SA, see tests/fixtures/photos/ATTRIBUTION.md)."""
    return (PHOTOS / "orientation_landscape_1.jpg").read_bytes()


def other_photo() -> bytes:
    return (PHOTOS / "gps_DSCN0010.jpg").read_bytes()


def resent_copy(data: bytes, *, scale: float = 0.6, quality: int = 70) -> bytes:
    """What a sender does to a refused photo: shrink it and save it again at another quality."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def qr_photo(text: str = "https://example.org/pay-me", *, border_photo: bool = False) -> bytes:
    """A QR code as a sender would send it: a plain PNG of the code, or pasted onto a photo."""
    code = qrcode.make(text, box_size=10).get_image().convert("RGB")
    if border_photo:
        base = Image.open(io.BytesIO(real_photo())).convert("RGB")
        base.paste(code.resize((300, 300)), (40, 40))
        code = base
    buffer = io.BytesIO()
    code.save(buffer, "PNG")
    return buffer.getvalue()


def text_page(lines: int = 18, *, size: tuple[int, int] = (900, 1200), seed: int = 0) -> bytes:
    """A page of text as a phone would send it: dark words on a light background."""
    words = "the quick brown fox jumps over a lazy dog while pretty letters dance".split()  # noqa: SIM905
    image = Image.new("RGB", size, (250, 250, 246))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    for row in range(lines):
        line = " ".join(words[(row * 3 + seed + i) % len(words)] for i in range(7))
        draw.text((40, 40 + row * 60), line, fill=(20, 20, 30), font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()
