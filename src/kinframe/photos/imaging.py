"""Photo intake pipeline: check, clean and shrink what families upload.

Everything a sender uploads passes through this module before a person in custody, or
the facility's staff, ever sees it. It is deliberately free of Django so the same code runs
in the web process (:func:`probe_image`, at upload time) and in the background worker
(:func:`process_image`).

Two stages, two cost profiles:

``probe_image``
    Runs at upload time, *before* any credit is charged. It never decodes pixels: it reads
    the format from the file's magic bytes (never the file name or the browser's MIME type),
    checks it against the allowlist and reads the dimensions from the container header with
    small pure-Python parsers. That makes it cost microseconds and lets us refuse a renamed
    PDF, an HTML page, a truncated header or a decompression bomb before we touch a decoder.

``process_image``
    Runs in the worker. It repeats the probe, then decodes with libvips (pi-heif for
    HEIC/HEIF, in a forked child), applies the EXIF orientation, converts to sRGB, flattens
    alpha onto white, drops every metadata block, resizes, encodes baseline JPEGs, and
    computes a SHA-256 and a 64-bit perceptual hash (dHash). See ``docs/imaging.md`` for
    the measurements behind the engine choice.

Why libvips: it streams (``access="sequential"``), so a 12 MP photo never needs its whole
decoded bitmap in memory, and its JPEG loader can *shrink on load* -- libjpeg scales the DCT
by 1/2, 1/4 or 1/8 while decoding, which skips most of the inverse-DCT work and memory
traffic. Measured on a 12 MP JPEG (one core) the whole pipeline, thumbnail and hashes
included, is ~3.7x faster than a naive Pillow pipeline, faster than libvips' own
``thumbnail_buffer``, within 1.6x of a bare half-scale decode, and peaks at ~70 MB RSS.

Why the checks come before decoding: libvips has no pixel limit of its own, and a 40 KB
PNG can legitimately claim 50000x50000 pixels (7.5 GB of RGB). The header is the only
place where that is cheap to catch. The decoder's own header is checked again before any
pixel is decoded, in case our parser and the decoder disagree.

Why loaders are blocked: libvips ships loaders for formats we never want to parse from
untrusted input (SVG, matrix, CSV, VIPS, TIFF, HEIF-via-libvips, ...). We call the four
allowlisted loaders by name, and additionally block every other loader class process-wide
so that no code path (``new_from_buffer`` sniffing, a future refactor) can reach them.

Why HEIF is different: the HEIF header is parsed in pure Python and the HEVC decoder runs
in a forked child, because fuzzing found a one-byte change that segfaults pi-heif 1.4 /
libheif 1.23 (see :func:`_decode_heif_isolated`).

Nothing but :class:`UnsupportedImage` escapes :func:`probe_image` or :func:`process_image`,
whatever the input bytes; the fuzz test in ``tests/photos/test_imaging_fuzz.py`` enforces it.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import io
import logging
import os
import select
import signal
import struct
import time
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pyvips

__all__ = [
    "ACCEPTED_FORMATS_TEXT",
    "DISPLAY_QUALITY",
    "THUMBNAIL_QUALITY",
    "ImageInfo",
    "ProcessedImage",
    "UnsupportedImage",
    "megabytes",
    "perceptual_hash_distance",
    "probe_image",
    "process_image",
]

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS_TEXT: Final = "JPEG, PNG, WebP, HEIC or GIF"

# The display image is what the recipient looks at, full screen, as often as they like: quality 96
# keeps it at SSIM >= 0.98 against a lossless full-resolution reference on every bench photo,
# the noisy low-light one included (95 scored 0.978 there; 85 scores ~0.97 on any photo, and no q85
# encoder can do better); it costs about 2.4x the bytes of 85 (~0.6 MB at 1600 px). Thumbnails are
# small and seen in passing, so 85 is plenty there.
DISPLAY_QUALITY: Final = 96
THUMBNAIL_QUALITY: Final = 85

DEFAULT_MAX_BYTES: Final = 25 * 1024 * 1024
DEFAULT_MAX_PIXELS: Final = 100_000_000

#: The allowlist, as the ``ImageInfo.format`` strings.
FORMATS: Final = frozenset({"jpeg", "png", "webp", "heif", "gif"})

# libvips loader classes we allow; every other ``VipsForeignLoad`` subclass is blocked.
_ALLOWED_VIPS_LOADERS: Final = (
    "VipsForeignLoadJpeg",
    "VipsForeignLoadPng",
    "VipsForeignLoadWebp",
    "VipsForeignLoadNsgif",
)

# ISO-BMFF brands of HEVC-coded HEIF (what phones write). "mif1"/"msf1" are generic image
# brands also used by AVIF, so they only count when no AV1 brand is present; pi-heif's
# wheel has no AV1 decoder anyway.
_HEVC_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_GENERIC_HEIF_BRANDS: Final = frozenset({b"mif1", b"msf1"})
_AV1_BRANDS: Final = frozenset({b"avif", b"avis"})

# JPEG start-of-frame markers (SOF0-SOF15 minus DHT C4, JPG C8 and DAC CC).
_JPEG_SOF_MARKERS: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
# PNG colour type -> allowed bit depths.
_PNG_DEPTHS: Final = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


class UnsupportedImage(ValueError):
    """The upload is not a photo we accept. ``str(exc)`` is shown to the sender as is.

    ``code`` is a short machine-readable reason for logs and metrics: ``"empty"``,
    ``"too_large"``, ``"format"``, ``"header"``, ``"too_many_pixels"`` or ``"damaged"``.
    ``size`` is the (width, height) a ``"too_many_pixels"`` refusal found, so a caller can word
    the message in another language without reading this one.
    """

    # Which upload it was, when known; ``photos.services`` fills it in for the sender's message.
    filename: str = ""

    def __init__(
        self, message: str, *, code: str = "format", size: tuple[int, int] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.size = size

    def __reduce__(
        self,
    ) -> tuple[Any, ...]:  # keep ``code`` and ``size`` when pickled (task queues)
        return (_unsupported_image, (str(self), self.code, self.size))


def _unsupported_image(
    message: str, code: str, size: tuple[int, int] | None = None
) -> UnsupportedImage:
    return UnsupportedImage(message, code=code, size=size)


@dataclass(frozen=True)
class ImageInfo:
    """What :func:`probe_image` learnt from the header, without decoding.

    Sizes are as stored (before EXIF rotation); for HEIF after the ``irot`` rotation but
    before any clean-aperture crop, so they never under-count pixels.
    """

    format: str  # "jpeg" | "png" | "webp" | "heif" | "gif"
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    """The cleaned photo. ``display``/``thumbnail`` are baseline JPEG bytes without metadata."""

    display: bytes
    thumbnail: bytes
    width: int  # of display
    height: int  # of display
    sha256: str  # hex digest of ``display``
    phash: str  # 64-bit dHash of the display pixels, 16 hex digits


# --------------------------------------------------------------------------------------
# Messages (shown to senders: plain words, say what to do next)
# --------------------------------------------------------------------------------------


def megabytes(max_bytes: int) -> str:
    mb = max_bytes / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 10 or mb == int(mb) else f"{mb:.1f}"


def _format_message(max_bytes: int) -> str:
    return (
        "This file is not a photo we can accept. "
        f"Send a {ACCEPTED_FORMATS_TEXT} of at most {megabytes(max_bytes)} MB."
    )


_DAMAGED_MESSAGE: Final = (
    "This photo seems to be damaged or incomplete, so we cannot use it. "
    f"Try sending it again, or send another {ACCEPTED_FORMATS_TEXT} file."
)


def _damaged() -> UnsupportedImage:
    return UnsupportedImage(_DAMAGED_MESSAGE, code="damaged")


def _header_error(max_bytes: int) -> UnsupportedImage:
    """Right magic bytes, but the header is cut short or impossible."""
    return UnsupportedImage(_DAMAGED_MESSAGE, code="header")


# --------------------------------------------------------------------------------------
# Probe: magic bytes + header dimensions, no decoding
# --------------------------------------------------------------------------------------


def probe_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ImageInfo:
    """Identify an upload cheaply and refuse it unless it is an allowed, sane image.

    Checks, in order: size in bytes, format by magic bytes against the allowlist (JPEG, PNG,
    WebP, HEIC/HEIF, GIF), dimensions from the header (the header must be complete), and
    ``width * height <= max_pixels``. No pixels are decoded, so this is safe and fast
    (microseconds; HEIF parses the box structure only) and is meant to run before the sender
    is charged.

    Raises :class:`UnsupportedImage` for anything it refuses, and only that.
    """
    try:
        return _probe(data, max_bytes=max_bytes, max_pixels=max_pixels)
    except UnsupportedImage:
        raise
    except Exception as exc:  # defensive: the parsers below should not raise anything else
        logger.warning("probe_image: unexpected %s", type(exc).__name__, exc_info=True)
        raise _header_error(max_bytes) from exc


def _probe(data: bytes, *, max_bytes: int, max_pixels: int) -> ImageInfo:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UnsupportedImage(_format_message(max_bytes), code="format")
    data = bytes(data) if not isinstance(data, bytes) else data
    if not data:
        raise UnsupportedImage(
            f"This file is empty. Send a {ACCEPTED_FORMATS_TEXT} of at most "
            f"{megabytes(max_bytes)} MB.",
            code="empty",
        )
    if len(data) > max_bytes:
        raise UnsupportedImage(
            f"This file is too large. Send a {ACCEPTED_FORMATS_TEXT} of at most "
            f"{megabytes(max_bytes)} MB.",
            code="too_large",
        )

    fmt = _sniff(data)
    if fmt is None:
        raise UnsupportedImage(_format_message(max_bytes), code="format")

    dims = _HEADER_PARSERS[fmt](data)
    if dims is None:
        raise _header_error(max_bytes)
    width, height = dims
    if width <= 0 or height <= 0:
        raise _header_error(max_bytes)
    _check_pixels(width, height, max_pixels)
    return ImageInfo(format=fmt, width=width, height=height)


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise UnsupportedImage(
            f"This photo has too many pixels ({width} x {height}). "
            f"Send a photo of at most {max_pixels / 1_000_000:g} megapixels.",
            code="too_many_pixels",
            size=(width, height),
        )


def _sniff(data: bytes) -> str | None:
    """Return the allowlisted format named by the magic bytes, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == _PNG_SIGNATURE:
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[4:8] == b"ftyp" and _is_hevc_heif(data):
        return "heif"
    return None


def _is_hevc_heif(data: bytes) -> bool:
    if len(data) < 16:
        return False
    (box_size,) = struct.unpack(">I", data[0:4])
    if box_size < 16 or box_size > len(data) or box_size > 4096:
        return False
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, box_size - 3, 4)}
    if brands & _HEVC_BRANDS:
        return True
    return bool(brands & _GENERIC_HEIF_BRANDS) and not brands & _AV1_BRANDS


def _jpeg_dims(data: bytes) -> tuple[int, int] | None:
    """Walk the JPEG marker segments up to the first SOFn frame header."""
    n = len(data)
    i = 2
    while i < n:
        # Like libjpeg, skip stray bytes between segments, then any 0xFF fill bytes.
        while i < n and data[i] != 0xFF:
            i += 1
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            return None
        marker = data[i]
        i += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # TEM, RSTn: no length
            continue
        if marker in (0xD8, 0xD9, 0xDA):  # SOI again, EOI or SOS before any frame header
            return None
        if i + 2 > n:
            return None
        (length,) = struct.unpack(">H", data[i : i + 2])
        if length < 2 or i + length > n:
            return None
        if marker in _JPEG_SOF_MARKERS:
            if length < 8:
                return None
            _precision, height, width, components = struct.unpack(">BHHB", data[i + 2 : i + 8])
            if components not in (1, 3, 4) or length < 8 + 3 * components:
                return None
            return width, height
        i += length
    return None


def _png_dims(data: bytes) -> tuple[int, int] | None:
    """IHDR must be the first chunk: 13 bytes of width, height, depth, colour type, ..."""
    if len(data) < 33 or data[8:16] != b"\x00\x00\x00\x0dIHDR":
        return None
    width, height, depth, colour, compression, filt, interlace = struct.unpack(
        ">IIBBBBB", data[16:29]
    )
    if depth not in _PNG_DEPTHS.get(colour, ()) or compression or filt or interlace > 1:
        return None
    if width > 0x7FFFFFFF or height > 0x7FFFFFFF:
        return None
    return width, height


def _gif_dims(data: bytes) -> tuple[int, int] | None:
    """Logical screen size, grown to cover the first frame (as libnsgif does).

    We walk to the first image descriptor so that a GIF with a tiny logical screen but a
    huge first frame cannot slip past the pixel limit, and so that a GIF whose header is
    cut off before the first frame is refused here.
    """
    n = len(data)
    if n < 13:
        return None
    width, height, flags = struct.unpack("<HHB", data[6:11])
    i = 13
    if flags & 0x80:
        i += 3 << ((flags & 0x07) + 1)
    while i < n:
        block = data[i]
        if block == 0x2C:  # image descriptor
            if i + 10 > n:
                return None
            left, top, fw, fh = struct.unpack("<HHHH", data[i + 1 : i + 9])
            if fw == 0 or fh == 0:
                return None
            return max(width, left + fw), max(height, top + fh)
        if block == 0x21:  # extension: label, then data sub-blocks
            i += 2
            while True:
                if i >= n:
                    return None
                size = data[i]
                i += 1
                if size == 0:
                    break
                i += size
            continue
        return None  # trailer (0x3B) or garbage before any frame
    return None


def _webp_dims(data: bytes) -> tuple[int, int] | None:
    """Canvas size from the first chunk: VP8X (extended), VP8 (lossy) or VP8L (lossless)."""
    if len(data) < 30:
        return None
    chunk = data[12:16]
    (chunk_size,) = struct.unpack("<I", data[16:20])
    payload = data[20:]
    if chunk == b"VP8X":
        if chunk_size < 10:
            return None
        w = int.from_bytes(payload[4:7], "little") + 1
        h = int.from_bytes(payload[7:10], "little") + 1
        return w, h
    if chunk == b"VP8 ":
        if chunk_size < 10 or payload[3:6] != b"\x9d\x01\x2a":
            return None
        w, h = struct.unpack("<HH", payload[6:10])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L":
        if chunk_size < 5 or payload[0] != 0x2F:
            return None
        bits = int.from_bytes(payload[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _bmff_boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]] | None:
    """ISO-BMFF boxes in ``data[start:end]`` as (type, payload start, box end), or None."""
    boxes = []
    while start < end:
        if start + 8 > end:
            return None
        size, kind = struct.unpack(">I4s", data[start : start + 8])
        header = 8
        if size == 1:
            if start + 16 > end:
                return None
            (size,) = struct.unpack(">Q", data[start + 8 : start + 16])
            header = 16
        elif size == 0:
            size = end - start
        if size < header or start + size > end:
            return None
        boxes.append((kind, start + header, start + size))
        start += size
    return boxes


def _heif_dims(data: bytes) -> tuple[int, int] | None:
    """Primary image size from the ``meta`` box: its ``ispe``, swapped by a 90/270 ``irot``.

    Pure Python on purpose: libheif's parser is native code, and fuzzing found a header
    that crashes it (pi-heif 1.4 / libheif 1.23 segfault reading metadata), so the upload
    path must never touch it. The decoder runs later, in an isolated child process.
    The size is before any clean-aperture crop, so it can only over-estimate the pixels.
    """
    top = _bmff_boxes(data, 0, len(data))
    if top is None:
        return None
    meta = next(((s, e) for kind, s, e in top if kind == b"meta"), None)
    if meta is None or meta[0] + 4 > meta[1]:
        return None
    children = _bmff_boxes(data, meta[0] + 4, meta[1])  # FullBox: skip version/flags
    if children is None:
        return None
    found = {kind: (s, e) for kind, s, e in reversed(children)}
    if b"pitm" not in found or b"iprp" not in found:
        return None
    s, e = found[b"pitm"]
    if s + 6 > e:
        return None
    primary = struct.unpack(">H", data[s + 4 : s + 6])[0]
    if data[s] >= 1:
        if s + 8 > e:
            return None
        primary = struct.unpack(">I", data[s + 4 : s + 8])[0]

    iprp = _bmff_boxes(data, *found[b"iprp"])
    if iprp is None:
        return None
    ipco = next(((s, e) for kind, s, e in iprp if kind == b"ipco"), None)
    ipmas = [(s, e) for kind, s, e in iprp if kind == b"ipma"]
    properties = _bmff_boxes(data, *ipco) if ipco else None
    if not properties or not ipmas:
        return None

    indices = _heif_property_indices(data, ipmas, primary)
    if indices is None:
        return None
    size = None
    rotation = 0
    for index in indices:
        if not 1 <= index <= len(properties):
            return None
        kind, s, e = properties[index - 1]
        if kind == b"ispe" and s + 12 <= e:
            size = struct.unpack(">II", data[s + 4 : s + 12])
        elif kind == b"irot" and s + 1 <= e:
            rotation = data[s] & 0x03
    if size is None:
        return None
    width, height = size
    return (height, width) if rotation in (1, 3) else (width, height)


def _heif_property_indices(
    data: bytes, ipmas: list[tuple[int, int]], item: int
) -> list[int] | None:
    """1-based ``ipco`` property indices associated with ``item`` by the ``ipma`` boxes."""
    for start, end in ipmas:
        if start + 8 > end:
            return None
        version, flags = data[start], int.from_bytes(data[start + 1 : start + 4], "big")
        (count,) = struct.unpack(">I", data[start + 4 : start + 8])
        pos = start + 8
        id_size = 2 if version < 1 else 4
        index_size = 2 if flags & 1 else 1
        for _ in range(count):
            if pos + id_size + 1 > end:
                return None
            item_id = int.from_bytes(data[pos : pos + id_size], "big")
            n = data[pos + id_size]
            pos += id_size + 1
            if pos + n * index_size > end:
                return None
            if item_id == item:
                mask = 0x7FFF if index_size == 2 else 0x7F
                return [
                    int.from_bytes(data[pos + i * index_size : pos + (i + 1) * index_size], "big")
                    & mask
                    for i in range(n)
                ]
            pos += n * index_size
    return None


_HEADER_PARSERS: Final = {
    "jpeg": _jpeg_dims,
    "png": _png_dims,
    "gif": _gif_dims,
    "webp": _webp_dims,
    "heif": _heif_dims,
}


# --------------------------------------------------------------------------------------
# Lazy library set-up (so the web process, which only probes, need not load libvips)
# --------------------------------------------------------------------------------------


@functools.cache
def _vips() -> Any:
    """Import and harden pyvips once per process.

    * every libvips loader is blocked except the four we call (JPEG, PNG, WebP, GIF), and
      all "untrusted" operations are blocked too (libvips >= 8.13);
    * the operation cache is disabled: it would keep references to earlier uploads' buffers
      and decoded tiles alive, and we never process the same bytes twice.
    """
    import pyvips

    pyvips.block_untrusted_set(True)
    pyvips.operation_block_set("VipsForeignLoad", True)
    for name in _ALLOWED_VIPS_LOADERS:
        pyvips.operation_block_set(name, False)
    pyvips.cache_set_max(0)
    _detach_python_log_handler(pyvips)
    return pyvips


def _detach_python_log_handler(pyvips: Any) -> None:
    """Stop libvips from calling back into Python for every log message.

    pyvips forwards all GLib messages of the VIPS domain (including chatty info lines from
    worker threads) to a Python callback. Python code inside a libvips callback can start a
    garbage collection that finalises other libvips objects -- such as the half-built
    pipeline of a damaged upload -- re-entering libvips and aborting the process; we hit
    exactly that (SIGABRT) with libvips 8.18 / pyvips 3.2 under pytest. Without the callback,
    GLib's default handler prints warnings to stderr and drops info messages.
    """
    remove = getattr(pyvips, "_remove_log_handler", None)
    if callable(remove):
        remove()


@functools.cache
def _pi_heif() -> Any:
    """Import pi-heif once, without the optional thumbnail/depth/aux decoding we never use."""
    import pi_heif

    pi_heif.options.THUMBNAILS = False
    pi_heif.options.DEPTH_IMAGES = False
    pi_heif.options.AUX_IMAGES = False
    return pi_heif


# --------------------------------------------------------------------------------------
# Processing
# --------------------------------------------------------------------------------------


def process_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    long_side: int = 1600,
    thumb_long_side: int = 320,
    quality: int = DISPLAY_QUALITY,
    thumb_quality: int = THUMBNAIL_QUALITY,
) -> ProcessedImage:
    """Turn an upload into a clean display JPEG, a thumbnail and their hashes.

    Steps: probe (as :func:`probe_image`), decode (shrink-on-load for JPEG and WebP),
    flatten alpha onto white, resize to at most ``long_side`` on the long side (never
    upscale), convert to sRGB honouring an embedded ICC profile, apply the EXIF orientation
    (all 8 values), drop all metadata, encode a baseline JPEG at ``quality``; then make the
    thumbnail from the *display* pixels (so both always agree), and hash.

    Raises :class:`UnsupportedImage` -- and nothing else, for any input -- when the file is
    refused by the probe or turns out to be damaged while decoding.
    """
    info = probe_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    if long_side < 1 or thumb_long_side < 1:
        raise ValueError("long_side and thumb_long_side must be positive")
    if not (1 <= quality <= 100 and 1 <= thumb_quality <= 100):
        raise ValueError("JPEG qualities go from 1 to 100")
    try:
        return _process(
            bytes(data), info, max_pixels, long_side, thumb_long_side, quality, thumb_quality
        )
    except UnsupportedImage:
        raise
    except Exception as exc:
        # Release the half-built libvips pipeline now (its images sit in the traceback's
        # frames) rather than at some later garbage collection.
        traceback.clear_frames(exc.__traceback__)
        # pyvips.Error for damaged files; anything else is a bug we still must not leak.
        vips = _vips()
        if not isinstance(exc, vips.Error | ValueError | EOFError | SyntaxError | OSError):
            logger.warning("process_image: unexpected %s", type(exc).__name__, exc_info=True)
        raise _damaged() from exc


def _process(
    data: bytes,
    info: ImageInfo,
    max_pixels: int,
    long_side: int,
    thumb_long_side: int,
    quality: int,
    thumb_quality: int,
) -> ProcessedImage:
    vips = _vips()
    # Objects that own pixel memory libvips reads without copying (the pi-heif buffer).
    # pyvips only ties them to the first Python wrapper, so we keep them alive until every
    # pixel has been consumed, i.e. until this function returns.
    keepalive: list[Any] = []
    image, orientation, full_size = _load(vips, data, info, long_side, max_pixels, keepalive)

    image = _flatten(image)
    # Resize before anything else per-pixel: every later step then touches ~1/4 of the pixels.
    image = _resize_stored(image, full_size, long_side)
    image = _to_srgb(vips, image)
    # Materialise the small display bitmap once (~6 MB at 1600x1200): the display JPEG, the
    # thumbnail and the hash all read from it, and the rotation below needs random access.
    image = image.copy_memory()
    image = _orient(image, orientation)
    image = _strip(image)

    display = _encode_jpeg(image, quality)
    thumb = _thumbnail(image, thumb_long_side).copy_memory()
    thumbnail = _encode_jpeg(thumb, thumb_quality)
    return ProcessedImage(
        display=display,
        thumbnail=thumbnail,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(display).hexdigest(),
        phash=_dhash(thumb),
    )


def _target_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """The display size for a stored ``width x height``: long side ``min(long_side, long)``,
    the other side rounded to the nearest pixel (at least 1), so the aspect ratio holds to
    within a pixel at any size, 1x1 and 65500x1 included."""
    long = max(width, height)
    if long <= long_side:
        return width, height
    scale = long_side / long
    return max(1, round(width * scale)), max(1, round(height * scale))


def _jpeg_shrink(width: int, height: int, target: tuple[int, int]) -> int:
    """Largest libjpeg DCT scale (1, 2, 4 or 8) that keeps *both* sides >= the target.

    Decoding at 1/2 skips three quarters of the inverse-DCT work and memory traffic, and
    because we then still resample down with Lanczos from *at least* the target size, the
    quality equals a full decode (SSIM >= 0.98 against a full-resolution Lanczos reference,
    see ``bench/imaging.py``). Shrinking further would mean upscaling afterwards: blurry.
    Both sides count: libvips rounds the shrunk size *down*, so a 12801x7 photo at 1/8
    would have no rows at all (the loader refuses it), and a short side must not be
    upscaled either.
    """
    shrink = 1
    while shrink < 8 and width // (shrink * 2) >= target[0] and height // (shrink * 2) >= target[1]:
        shrink *= 2
    return shrink


def _shrunk_side_matches(stored: int, loaded: int, factor: float) -> bool:
    """Whether a loader's side is ``stored / factor`` rounded either way.

    libjpeg rounds a DCT-scaled size up, libvips (8.18, measured) rounds it down, and its
    WebP scaled decode rounds to nearest (half to even): all of them land strictly within
    one pixel of the exact quotient, and so does nothing else. A header the probe misread
    (or a decoder fooled by a crafted file) is off by far more than that, so the
    cross-check keeps its teeth without assuming one library's rounding.
    """
    return loaded >= 1 and abs(loaded * factor - stored) < factor


def _load(
    vips: Any,
    data: bytes,
    info: ImageInfo,
    long_side: int,
    max_pixels: int,
    keepalive: list[Any],
) -> tuple[pyvips.Image, int, tuple[int, int]]:
    """Open lazily with the loader the magic bytes chose.

    Returns the image, its EXIF orientation (1-8) and its full-resolution stored size
    (before any shrink-on-load). Only the header is read here (libvips is lazy); pixels
    are decoded later, streaming.
    """
    if info.format == "heif":
        image = _load_heif(vips, data, info, max_pixels, keepalive)
        return image, 1, (image.width, image.height)
    target = _target_size(info.width, info.height, long_side)
    # fail_on="error" refuses truncated files and fatal decoder errors, but keeps benign
    # decoder warnings (e.g. libpng's "known incorrect sRGB profile") acceptable.
    common: dict[str, Any] = {"access": "sequential", "fail_on": "error"}
    factor = 1.0  # how much smaller than the header's size the loader makes the image
    if info.format == "jpeg":
        shrink = _jpeg_shrink(info.width, info.height, target)
        image = vips.Image.jpegload_buffer(data, shrink=shrink, **common)
        factor = float(shrink)
    elif info.format == "webp":
        # Scale so that neither side ends below its target (so we never upscale after).
        scale = min(1.0, max(target[0] / info.width, target[1] / info.height))
        image = vips.Image.webpload_buffer(data, scale=scale, **common)
        factor = 1 / scale
    elif info.format == "png":
        image = vips.Image.pngload_buffer(data, **common)
    else:  # gif: first frame only
        image = vips.Image.gifload_buffer(data, n=1, **common)
        # libnsgif sizes the screen from more than the first frame, so its size may differ
        # from the probe's; what it will decode is what must fit the pixel limit.
        _check_pixels(image.width, image.height, max_pixels)
        info = ImageInfo(info.format, image.width, image.height)

    # Belt and braces: the loader's own header must agree with the probe before any pixel
    # is decoded. A disagreement means one of the two parsers was fooled: trust neither.
    if not (
        _shrunk_side_matches(info.width, image.width, factor)
        and _shrunk_side_matches(info.height, image.height, factor)
    ):
        raise _damaged()
    orientation = image.get("orientation") if image.get_typeof("orientation") else 1
    if not isinstance(orientation, int) or not 1 <= orientation <= 8:
        orientation = 1
    return image, orientation, (info.width, info.height)


def _load_heif(
    vips: Any, data: bytes, info: ImageInfo, max_pixels: int, keepalive: list[Any]
) -> pyvips.Image:
    """Decode HEIC/HEIF with pi-heif (the libvips wheel has no HEVC decoder), in a child.

    libheif has already applied the HEIF rotation/mirror boxes, which are authoritative
    for HEIF (the EXIF orientation there is informational), so no EXIF rotation follows.
    The decoded pixels arrive through a pipe into one buffer, wrapped without a copy;
    ``keepalive`` receives that buffer.
    """
    width, height, bands, icc, pixels = _decode_heif_isolated(data, info, max_pixels)
    keepalive.append(pixels)
    image = vips.Image.new_from_memory(pixels, width, height, bands, "uchar")
    image = image.copy(interpretation="b-w" if bands <= 2 else "srgb")
    if icc:
        image.set_type(vips.GValue.blob_type, "icc-profile-data", icc)
    return image


_HEIF_TIMEOUT_SECONDS: Final = 30.0
_HEIF_BANDS: Final = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}
_HEIF_HEADER: Final = struct.Struct(">IIII")  # width, height, bands, ICC length


def _decode_heif_isolated(
    data: bytes, info: ImageInfo, max_pixels: int
) -> tuple[int, int, int, bytes, bytearray]:
    """Run libheif/libde265 in a forked child and return (w, h, bands, icc, pixels).

    Why a child process: HEVC decoding is a large native attack surface (libde265 has a
    long CVE history) and our own fuzzing crashed pi-heif 1.4 / libheif 1.23 with a 3-byte
    mutation of a real HEIF. In a child, a segfault, an abort or a hang (killed after
    ``_HEIF_TIMEOUT_SECONDS``) becomes an ordinary "damaged photo" refusal instead of
    taking the worker down. The child inherits the already-imported modules (fork is
    copy-on-write, ~1 ms) and streams a header (size, bands, ICC length), the ICC profile
    and the pixels through a pipe straight from libheif's buffer; we read them into one
    buffer sized from the child's header, which must fit the probed size.

    Why a pipe and not shared memory: a shared mapping is resident in *both* processes, so
    it added the whole bitmap (25 MB at 8.5 MP) to the child's peak, which already holds
    the worker's pages and libheif's own; through the pipe, only the worker holds a copy.
    Linux/POSIX only (``os.fork``), which is where the workers run.
    """
    capacity = info.width * info.height * 4  # the header size bounds the decoded size
    _pi_heif()  # import before forking, so each child does not import it again
    read_fd, write_fd = os.pipe()
    with contextlib.suppress(OSError, AttributeError):  # fewer wake-ups: a 1 MB pipe
        fcntl.fcntl(read_fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
        exit_code = 1
        try:
            os.close(read_fd)
            exit_code = _heif_child(data, write_fd, capacity, max_pixels)
        finally:
            os._exit(exit_code)

    os.close(write_fd)
    result = None
    try:
        result = _read_heif_result(read_fd, time.monotonic() + _HEIF_TIMEOUT_SECONDS, capacity)
    finally:
        os.close(read_fd)
        # Complete means the child is exiting; nothing means it hung, lied or we were interrupted.
        status = _reap(pid, kill=result is None)
    # The child writes its pixels only after a successful decode, so a complete result
    # with an unknown status (someone else reaped the child) still counts as success.
    if result is None or status not in (0, None):
        raise _damaged()
    width, height, bands, icc, pixels = result
    _check_pixels(width, height, max_pixels)
    return width, height, bands, icc, pixels


def _heif_child(
    data: bytes, write_fd: int, capacity: int, max_pixels: int
) -> int:  # pragma: no cover - runs in the child
    pi_heif = _pi_heif()
    # One decoder thread per core we may use: on a worker pinned to one core, libde265's
    # default of four threads only contends (measured: ~1.2x the one-thread time).
    pi_heif.options.DECODE_THREADS = _heif_threads()
    heif_file = pi_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
    width, height = heif_file.size
    bands = _HEIF_BANDS.get(heif_file.mode, 0)
    row = width * bands
    if not bands or width * height > max_pixels or row * height > capacity:
        return 2
    pixels = memoryview(heif_file.data).cast("B")  # decodes
    stride = heif_file.stride
    if stride < row or len(pixels) < stride * (height - 1) + row:
        return 3
    icc = bytes(heif_file.info.get("icc_profile") or b"")
    _write_all(write_fd, _HEIF_HEADER.pack(width, height, bands, len(icc)) + icc)
    if stride == row:
        _write_all(write_fd, pixels[: row * height])
    else:  # rows padded for alignment: send them packed
        for y in range(height):
            _write_all(write_fd, pixels[y * stride : y * stride + row])
    return 0


def _heif_threads() -> int:
    try:
        return max(1, min(4, len(os.sched_getaffinity(0))))
    except (AttributeError, OSError):  # not Linux
        return max(1, min(4, os.cpu_count() or 1))


def _write_all(fd: int, data: bytes | memoryview) -> None:  # pragma: no cover - in the child
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_MAX_ICC_BYTES: Final = 4 * 1024 * 1024


def _read_heif_result(
    fd: int, deadline: float, capacity: int
) -> tuple[int, int, int, bytes, bytearray] | None:
    """The child's header, ICC profile and pixels; None if it hangs past the deadline,
    claims more than the probed size allows, or stops short."""
    header = _read_exactly(fd, _HEIF_HEADER.size, deadline)
    if header is None:
        return None
    width, height, bands, icc_length = _HEIF_HEADER.unpack(header)
    size = width * height * bands
    if not width or not height or bands not in (1, 2, 3, 4) or size > capacity:
        return None
    if icc_length > _MAX_ICC_BYTES:
        return None
    icc = _read_exactly(fd, icc_length, deadline)
    pixels = _read_exactly(fd, size, deadline)
    if icc is None or pixels is None:
        return None
    return width, height, bands, bytes(icc), pixels


def _read_exactly(fd: int, size: int, deadline: float) -> bytearray | None:
    """Exactly ``size`` bytes from the pipe, or None on EOF or when the deadline passes."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        count = os.readv(fd, [view[done:]])
        if not count:
            return None
        done += count
    return buffer


def _reap(pid: int, *, kill: bool) -> int | None:
    """Wait for the child, killing it first if asked. Returns its exit code (negative for
    a signal, as in :mod:`subprocess`), or None if another handler already reaped it."""
    try:
        if kill:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        return None
    return os.waitstatus_to_exitcode(status)


def _flatten(image: pyvips.Image) -> pyvips.Image:
    """Composite any alpha onto white (at the image's own bit depth) and drop it.

    Done before resizing so that the colour of fully transparent pixels (often black or
    garbage) cannot bleed into the edges of the visible picture.
    """
    if not image.hasalpha():
        return image
    white = 65535 if image.format == "ushort" else 255
    return image.flatten(background=[white] * (image.bands - 1), max_alpha=white)


def _resize_stored(image: pyvips.Image, full_size: tuple[int, int], long_side: int) -> pyvips.Image:
    """Resize to exactly the target size, computed from the *full-resolution* size.

    The loader may have shrunk already (JPEG DCT scaling, WebP scaled decode), so the
    horizontal and vertical factors are computed separately against the exact target,
    keeping the aspect ratio of the original rather than of the rounded shrunk image.
    Sizes here are stored (unrotated) sizes; the EXIF rotation happens afterwards.
    """
    return _resize_exact(image, _target_size(*full_size, long_side))


def _resize_exact(image: pyvips.Image, target: tuple[int, int]) -> pyvips.Image:
    """Lanczos3 to exactly ``target`` (never up: callers pass a size <= the image's)."""
    target_w, target_h = target
    if (image.width, image.height) == (target_w, target_h):
        return image
    resized = image.resize(
        target_w / image.width, vscale=target_h / image.height, kernel="lanczos3"
    )
    if (resized.width, resized.height) != (target_w, target_h):  # float rounding, a pixel at most
        resized = resized.gravity("north-west", target_w, target_h, extend="copy")
    return resized


def _to_srgb(vips: Any, image: pyvips.Image) -> pyvips.Image:
    """Convert to 8-bit, 3-band sRGB.

    An embedded ICC profile (Display P3 from iPhones, Adobe RGB, CMYK) is honoured; if it
    is unusable we fall back to libvips' built-in interpretation (sRGB, or its CMYK profile).
    """
    if image.get_typeof("icc-profile-data"):
        try:
            return _three_bands(image.icc_transform("srgb", embedded=True, depth=8))
        except vips.Error:
            image = image.copy()
            image.remove("icc-profile-data")
    if image.interpretation != "srgb" or image.format != "uchar":
        image = image.colourspace("srgb")
    return _three_bands(image)


def _three_bands(image: pyvips.Image) -> pyvips.Image:
    if image.format != "uchar":
        image = image.cast("uchar")
    if image.bands == 1:
        return image.bandjoin([image, image])
    if image.bands > 3:
        return image.extract_band(0, n=3)
    return image


def _orient(image: pyvips.Image, orientation: int) -> pyvips.Image:
    """Apply one of the 8 EXIF orientations to the in-memory display bitmap."""
    if orientation == 1:
        return image
    # 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 cw, 7 transverse, 8 rotate 270
    if orientation in (5, 6, 7, 8):
        image = image.rot90() if orientation in (5, 6) else image.rot270()
    elif orientation in (3, 4):
        image = image.rot180()
    if orientation in (2, 4, 5, 7):
        image = image.fliphor()
    return image


_CORE_FIELDS: Final = frozenset(
    {
        "width",
        "height",
        "bands",
        "format",
        "coding",
        "interpretation",
        "xoffset",
        "yoffset",
        "xres",
        "yres",
        "filename",
    }
)


def _strip(image: pyvips.Image) -> pyvips.Image:
    """Remove every metadata field (EXIF, GPS, XMP, IPTC, ICC, comments, orientation, ...).

    The JPEG encoder is also told to keep nothing (``keep="none"``); stripping the bitmap
    as well means nothing can leak through a later code path that forgets that flag.
    """
    image = image.copy()
    for field in image.get_fields():
        if field not in _CORE_FIELDS:
            image.remove(field)
    return image


def _encode_jpeg(image: pyvips.Image, quality: int) -> bytes:
    """Baseline (non-progressive) JPEG, Huffman-optimised, 4:2:0, no metadata at all."""
    return bytes(
        image.jpegsave_buffer(
            Q=quality,
            keep="none",
            interlace=False,
            subsample_mode="on",
        )
    )


def _thumbnail(image: pyvips.Image, long_side: int) -> pyvips.Image:
    """The thumbnail from the display bitmap: a box average by the largest whole factor
    that keeps both sides at or above the target, then Lanczos for any remainder.

    The display is already Lanczos-filtered, so a 5x box average (1600 -> 320) is enough
    anti-aliasing for a picture seen in passing, and costs a quarter of a 5x Lanczos
    (1.3 ms against 5 ms a photo, measured on the bench's display bitmap).
    """
    target_w, target_h = _target_size(image.width, image.height, long_side)
    factor = min(image.width // target_w, image.height // target_h)
    if factor >= 2:
        image = image.shrink(factor, factor)
    return _resize_exact(image, (target_w, target_h))


def _dhash(image: pyvips.Image) -> str:
    """64-bit difference hash: 9x8 grey thumbnail, one bit per "left pixel brighter".

    dHash is robust to re-encoding, resizing and mild colour changes, cheap (we compute it
    on the thumbnail), and needs no numpy in production.
    """
    grey = image.colourspace("b-w")[0]
    small = grey.resize(9 / grey.width, vscale=8 / grey.height, kernel="linear")
    if (small.width, small.height) != (9, 8):
        small = small.embed(0, 0, 9, 8, extend="copy")
    pixels = small.cast("uchar").write_to_memory()
    value = 0
    for row in range(8):
        base = row * 9
        for col in range(8):
            value = (value << 1) | (pixels[base + col] > pixels[base + col + 1])
    return f"{value:016x}"


def perceptual_hash_distance(a: str, b: str) -> int:
    """Hamming distance between two :attr:`ProcessedImage.phash` hex strings (0..64).

    Identical photos give 0; the same photo re-encoded or resized usually stays under ~6;
    unrelated photos are typically around 32.
    """
    return (int(a, 16) ^ int(b, 16)).bit_count()
