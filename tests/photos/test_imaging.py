"""The photo intake pipeline over real camera/phone files and hand-made hostile ones.

Outputs are checked with an independent decoder (Pillow) and by walking the JPEG marker
segments ourselves, so a metadata leak cannot hide behind a decoder that ignores it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

from kinframe.photos import imaging
from kinframe.photos.imaging import (
    ACCEPTED_FORMATS_TEXT,
    ImageInfo,
    ProcessedImage,
    UnsupportedImage,
    perceptual_hash_distance,
    probe_image,
    process_image,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "photos"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """Every marker segment of a JPEG, including those after the first scan.

    Returns (marker, payload) pairs; markers without a payload (SOI, EOI, RSTn) have b"".
    Entropy-coded data is skipped by looking for 0xFF followed by a non-zero, non-RST byte.
    """
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    segments: list[tuple[int, bytes]] = [(0xD8, b"")]
    i = 2
    n = len(data)
    while i < n:
        assert data[i] == 0xFF, f"expected a marker at {i}"
        while i < n and data[i] == 0xFF:
            i += 1
        marker = data[i]
        i += 1
        if marker == 0xD9:
            segments.append((marker, b""))
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            segments.append((marker, b""))
            continue
        (length,) = struct.unpack(">H", data[i : i + 2])
        segments.append((marker, data[i + 2 : i + length]))
        i += length
        if marker == 0xDA:  # skip entropy-coded data up to the next real marker
            while i < n - 1 and not (
                data[i] == 0xFF and data[i + 1] != 0 and not 0xD0 <= data[i + 1] <= 0xD7
            ):
                i += 1
    return segments


def assert_clean_baseline_jpeg(data: bytes) -> None:
    """Baseline JPEG with no metadata: only a JFIF APP0 is tolerated, no APP1-15, no COM."""
    segments = jpeg_segments(data)
    markers = [m for m, _ in segments]
    assert markers[-1] == 0xD9, "missing EOI"
    assert 0xC0 in markers, "not a baseline (SOF0) JPEG"
    assert not {0xC1, 0xC2, 0xC3, 0xC9, 0xCA, 0xCB} & set(markers), "progressive/extended"
    assert markers.count(0xDA) == 1, "more than one scan: progressive"
    for marker, payload in segments:
        assert marker != 0xFE, "COM comment segment"
        if marker == 0xE0:
            assert payload.startswith(b"JFIF\x00"), "unexpected APP0"
        else:
            assert not 0xE1 <= marker <= 0xEF, f"APP{marker - 0xE0} segment: {payload[:16]!r}"
    for needle in (b"Exif\x00", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"Photoshop 3.0"):
        assert needle not in data


def has_segment(data: bytes, marker: int, prefix: bytes) -> bool:
    return any(m == marker and p.startswith(prefix) for m, p in jpeg_segments(data))


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def small_grey(image: Image.Image, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    return np.asarray(image.convert("L").resize(size, Image.Resampling.BOX), dtype=np.float64)


def mean_abs_diff(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size, (a.size, b.size)
    size = (64, 48) if a.width >= a.height else (48, 64)
    return float(np.abs(small_grey(a, size) - small_grey(b, size)).mean())


def assert_colour(pixel: tuple[int, ...], expected: tuple[int, ...], tolerance: int) -> None:
    assert all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True)), pixel


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def insert_after_soi(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


# Inverse of each EXIF orientation's display transform (what a camera stores), in Pillow
# terms. exif_transpose applies 2: mirror, 3: 180, 4: flip, 5: transpose, 6: rot 270 (ccw),
# 7: transverse, 8: rot 90; 6 and 8 are each other's inverse, the rest are involutions.
STORE_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def with_orientation(upright: Image.Image, orientation: int) -> bytes:
    """A JPEG whose stored pixels need EXIF ``orientation`` to show ``upright``."""
    transform = STORE_AS[orientation]
    stored = upright if transform is None else upright.transpose(transform)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, "JPEG", quality=95, exif=exif.tobytes())


@pytest.fixture(scope="module")
def photo_12mp() -> bytes:
    """A 4032x3024 JPEG with real-photo content (a fixture photo, enlarged)."""
    source = decode(fixture("orientation_landscape_1.jpg")).convert("RGB")
    return encode(source.resize((4032, 3024), Image.Resampling.BICUBIC), "JPEG", quality=90)


# --------------------------------------------------------------------------------------
# probe_image
# --------------------------------------------------------------------------------------


def test_message_names_formats_and_limit():
    with pytest.raises(UnsupportedImage) as excinfo:
        probe_image(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert str(excinfo.value) == (
        "This file is not a photo we can accept. "
        "Send a JPEG, PNG, WebP, HEIC or GIF of at most 25 MB."
    )
    assert ACCEPTED_FORMATS_TEXT in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("orientation_landscape_1.jpg", ImageInfo("jpeg", 600, 450)),
        ("orientation_landscape_6.jpg", ImageInfo("jpeg", 450, 600)),  # stored size
        ("gps_DSCN0010.jpg", ImageInfo("jpeg", 640, 480)),
        ("heic_IMG_5195.HEIC", ImageInfo("heif", 2566, 3313)),
        ("heic_samplefilehub.heif", ImageInfo("heif", 640, 426)),
    ],
)
def test_probe_reads_real_headers(name, expected):
    assert probe_image(fixture(name)) == expected


@pytest.mark.parametrize(
    ("fmt", "params", "expected"),
    [
        ("PNG", {}, "png"),
        ("WEBP", {"quality": 80}, "webp"),
        ("WEBP", {"lossless": True}, "webp"),
        ("GIF", {}, "gif"),
    ],
)
def test_probe_reads_generated_headers(fmt, params, expected):
    data = encode(Image.new("RGB", (123, 45), "orange"), fmt, **params)
    assert probe_image(data) == ImageInfo(expected, 123, 45)


def test_probe_reads_extended_webp_with_alpha():
    data = encode(Image.new("RGBA", (77, 99), (0, 0, 255, 128)), "WEBP", exif=b"Exif\0\0MM")
    assert data[12:16] == b"VP8X"
    assert probe_image(data) == ImageInfo("webp", 77, 99)


def test_probe_is_cheap_on_a_12mp_photo(photo_12mp):
    probe_image(photo_12mp)
    started = time.perf_counter()
    for _ in range(100):
        info = probe_image(photo_12mp)
    assert (time.perf_counter() - started) / 100 < 0.002
    assert info == ImageInfo("jpeg", 4032, 3024)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(b"", "empty", id="zero-bytes"),
        pytest.param(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n", "format", id="pdf"),
        pytest.param(b"<!DOCTYPE html><html><body>hi</body></html>", "format", id="html"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "format", id="svg"),
        pytest.param(b"II*\x00\x08\x00\x00\x00", "format", id="tiff"),
        pytest.param(b"BM" + bytes(60), "format", id="bmp"),
        pytest.param(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "format", id="avif"),
        pytest.param(b"\xff\xd8\xff", "header", id="jpeg-magic-only"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "header", id="jpeg-cut-in-app0"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00", "header", id="png-cut"),
        pytest.param(b"GIF89a\x10\x00\x10\x00", "header", id="gif-cut"),
        pytest.param(b"RIFF\x10\x00\x00\x00WEBPVP8 ", "header", id="webp-cut"),
        pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "header", id="heic-cut"),
    ],
)
def test_probe_refuses(data, code):
    with pytest.raises(UnsupportedImage) as excinfo:
        probe_image(data)
    assert excinfo.value.code == code


@pytest.mark.parametrize("cut", [2, 3, 20, 200, 600])
def test_probe_refuses_jpeg_truncated_before_frame_header(cut):
    data = fixture("gps_DSCN0010.jpg")  # ~10 KB of EXIF precede the frame header
    with pytest.raises(UnsupportedImage) as excinfo:
        probe_image(data[:cut])
    assert excinfo.value.code in {"header", "format"}


def test_probe_refuses_renamed_files():
    """The name means nothing: a PDF or HTML page called photo.jpg is refused by its bytes."""
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 20
    html = b"<html><head><title>photo.jpg</title></head><body><img src=x></body></html>"
    for data in (pdf, html):
        with pytest.raises(UnsupportedImage):
            probe_image(data)
        with pytest.raises(UnsupportedImage):
            process_image(data)


def test_probe_size_limit():
    data = fixture("gps_DSCN0010.jpg")
    assert probe_image(data, max_bytes=len(data)).format == "jpeg"
    with pytest.raises(UnsupportedImage) as excinfo:
        probe_image(data, max_bytes=len(data) - 1)
    assert excinfo.value.code == "too_large"
    with pytest.raises(UnsupportedImage, match="25 MB"):
        probe_image(b"\xff\xd8\xff" + bytes(25 * 1024 * 1024))


def test_probe_pixel_limit_is_a_parameter():
    data = fixture("orientation_landscape_1.jpg")
    assert probe_image(data, max_pixels=600 * 450).width == 600
    with pytest.raises(UnsupportedImage) as excinfo:
        probe_image(data, max_pixels=600 * 450 - 1)
    assert excinfo.value.code == "too_many_pixels"
    assert excinfo.value.size == (600, 450)  # the numbers a translated refusal needs
    import pickle

    assert pickle.loads(pickle.dumps(excinfo.value)).size == (600, 450)


# --------------------------------------------------------------------------------------
# Decompression bombs: refused from the header, before any decoder runs
# --------------------------------------------------------------------------------------


def bomb_png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    idat = zlib.compress(bytes(50000 * 3 + 1) * 64, 9)  # the start of a valid image
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
        # no IEND: it would take ~7 MB of zlib to describe 7.5 GB of black
    )


def bomb_jpeg() -> bytes:
    data = bytearray(fixture("Canon_40D.jpg"))
    i = 2
    while data[i + 1] != 0xC0:  # walk the segments to the frame header (SOF0)
        i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    data[i + 5 : i + 9] = struct.pack(">HH", 50000, 50000)
    return bytes(data)


def bomb_gif() -> bytes:
    small = encode(Image.new("P", (8, 8), 1), "GIF")
    return small[:6] + struct.pack("<HH", 50000, 50000) + small[10:]


def bomb_gif_frame() -> bytes:
    """Tiny logical screen, huge first frame: the limit must cover the frame too."""
    data = bytearray(encode(Image.new("P", (8, 8), 1), "GIF"))
    i = data.find(b"\x2c\x00\x00\x00\x00\x08\x00\x08\x00")
    data[i + 5 : i + 9] = struct.pack("<HH", 50000, 50000)
    return bytes(data)


def bomb_webp() -> bytes:
    """Extended WebP (VP8X) whose canvas claims 50000x50000."""
    image = Image.new("RGBA", (8, 8), (1, 2, 3, 4))
    data = bytearray(encode(image, "WEBP", lossless=True, exif=b"Exif\x00\x00MM\x00*"))
    assert data[12:16] == b"VP8X"
    data[24:30] = (49999).to_bytes(3, "little") + (49999).to_bytes(3, "little")
    return bytes(data)


def bomb_webp_lossless() -> bytes:
    """Simple lossless WebP (VP8L) at its 14-bit maximum: 16384x16384 = 268 MP."""
    data = bytearray(encode(Image.new("RGB", (8, 8), "red"), "WEBP", lossless=True))
    assert data[12:16] == b"VP8L"
    bits = int.from_bytes(data[21:25], "little")
    bits = (bits & ~((1 << 28) - 1)) | 16383 | (16383 << 14)
    data[21:25] = bits.to_bytes(4, "little")
    return bytes(data)


def bomb_heif() -> bytes:
    data = bytearray(fixture("heic_samplefilehub.heif"))
    i = data.find(b"ispe")
    while i != -1:
        data[i + 8 : i + 16] = struct.pack(">II", 50000, 50000)
        i = data.find(b"ispe", i + 1)
    return bytes(data)


BOMBS = {
    "png": (bomb_png, "50000 x 50000"),
    "jpeg": (bomb_jpeg, "50000 x 50000"),
    "gif": (bomb_gif, "50000 x 50000"),
    "gif-frame": (bomb_gif_frame, "50000 x 50000"),
    "webp": (bomb_webp, "50000 x 50000"),
    "webp-lossless": (bomb_webp_lossless, "16384 x 16384"),
    "heif": (bomb_heif, "50000 x 50000"),
}


@pytest.mark.parametrize("kind", BOMBS)
def test_decompression_bomb_refused_before_decoding(kind, monkeypatch):
    make, claimed = BOMBS[kind]
    data = make()
    assert len(data) < 200_000

    def no_decoder() -> None:
        raise AssertionError("a decoder was reached")

    # If process_image got as far as libvips/pi-heif decoding, this would surface as a
    # "damaged" refusal instead of "too_many_pixels".
    monkeypatch.setattr(imaging, "_vips", no_decoder)
    started = time.perf_counter()
    with pytest.raises(UnsupportedImage) as probed:
        probe_image(data)
    with pytest.raises(UnsupportedImage) as processed:
        process_image(data)
    assert time.perf_counter() - started < 0.5
    assert probed.value.code == processed.value.code == "too_many_pixels"
    assert claimed in str(processed.value)


def test_pixel_limit_is_checked_against_the_decoders_header_too(monkeypatch):
    """If our header parser were fooled, the decoder's lazily-read header still counts."""
    real = imaging._png_dims
    monkeypatch.setattr(imaging, "_HEADER_PARSERS", {**imaging._HEADER_PARSERS})
    imaging._HEADER_PARSERS["png"] = lambda data: (10, 10)
    data = encode(Image.new("RGB", (300, 200), "red"), "PNG")
    with pytest.raises(UnsupportedImage) as excinfo:
        process_image(data)
    assert excinfo.value.code == "damaged"
    assert real(data) == (300, 200)


# --------------------------------------------------------------------------------------
# Damaged files
# --------------------------------------------------------------------------------------


def test_corrupted_camera_file_refused():
    data = fixture("corrupted.jpg")
    assert probe_image(data).format == "jpeg"  # the header is fine ...
    started = time.perf_counter()
    with pytest.raises(UnsupportedImage) as excinfo:
        process_image(data)  # ... the scan data is not
    assert excinfo.value.code == "damaged"
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("name", ["invalid_image00971.jpg", "invalid_image01137.jpg"])
def test_invalid_metadata_files_are_accepted_and_cleaned(name):
    """These exif-samples files are "invalid" for EXIF readers (XMP but no EXIF), but their
    pixels decode without a single libjpeg warning, under libvips and Pillow alike.
    Refusing a photo we can show perfectly would only hurt the family, so we accept it and
    strip the metadata. (See the report: the brief expected a refusal.)
    """
    data = fixture(name)
    assert has_segment(data, 0xE1, b"http://ns.adobe.com/xap/1.0/")
    result = process_image(data)
    assert_clean_baseline_jpeg(result.display)
    reference = decode(data).convert("RGB")
    assert (result.width, result.height) == reference.size
    assert mean_abs_diff(decode(result.display), reference) < 3


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
@pytest.mark.parametrize("name", ["orientation_landscape_1.jpg", "gps_DSCN0010.jpg"])
def test_truncated_jpeg_refused(name, fraction):
    data = fixture(name)
    with pytest.raises(UnsupportedImage) as excinfo:
        process_image(data[: int(len(data) * fraction)])
    assert excinfo.value.code == "damaged"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_truncated_other_formats_refused(fmt):
    rng = np.random.default_rng(3)
    noise = Image.fromarray(rng.integers(0, 255, (200, 300, 3), dtype=np.uint8))
    data = encode(noise, fmt)
    for fraction in (0.5, 0.9):
        with pytest.raises(UnsupportedImage):
            process_image(data[: int(len(data) * fraction)])


def test_truncated_heic_refused():
    data = fixture("heic_samplefilehub.heif")
    with pytest.raises(UnsupportedImage):
        process_image(data[: len(data) // 2])


def heif_with_bad_content_type() -> bytes:
    """Found by the fuzz test: one high bit set inside the XMP item's MIME content type.

    pi-heif 1.4 builds a Python str from it without checking for NULL (invalid UTF-8), and
    segfaults while reading metadata -- even when only the header is wanted.
    """
    data = bytearray(fixture("heic_samplefilehub.heif"))
    i = data.index(b"application/rdf+xml")
    data[i + 1] |= 0x80
    return bytes(data)


def test_heif_that_crashes_pi_heif_is_refused_without_crashing_us():
    data = heif_with_bad_content_type()
    assert probe_image(data) == ImageInfo("heif", 640, 426)  # pure-Python header parse
    with pytest.raises(UnsupportedImage) as excinfo:
        process_image(data)  # the decoder child dies; we do not
    assert excinfo.value.code == "damaged"


def test_heif_decoder_crash_and_hang_are_contained(monkeypatch):
    """(With faulthandler on, as under pytest, the crashing child prints a "Fatal Python
    error" dump to stderr: that is the child, and the expected outcome.)"""
    data = fixture("heic_samplefilehub.heif")

    def abort(*args: object) -> int:
        os.abort()

    monkeypatch.setattr(imaging, "_heif_child", abort)
    with pytest.raises(UnsupportedImage):
        process_image(data)

    def hang(*args: object) -> int:
        time.sleep(60)
        return 0

    monkeypatch.setattr(imaging, "_heif_child", hang)
    monkeypatch.setattr(imaging, "_HEIF_TIMEOUT_SECONDS", 0.5)
    started = time.perf_counter()
    with pytest.raises(UnsupportedImage):
        process_image(data)
    assert time.perf_counter() - started < 5


def test_untrusted_libvips_loaders_are_blocked():
    pyvips = imaging._vips()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    with pytest.raises(pyvips.Error):
        pyvips.Image.new_from_buffer(svg, "").avg()
    with pytest.raises(pyvips.Error):
        pyvips.Image.new_from_buffer(b"2 2\n1 2\n3 4\n", "").avg()  # matrixload
    # ... while the allowlisted ones still work
    png = encode(Image.new("RGB", (4, 4), "red"), "PNG")
    assert pyvips.Image.new_from_buffer(png, "").avg() > 0


# --------------------------------------------------------------------------------------
# Orientation
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "upright"),
    [
        ("orientation_landscape_3.jpg", "orientation_landscape_1.jpg"),
        ("orientation_landscape_6.jpg", "orientation_landscape_1.jpg"),
        ("orientation_landscape_8.jpg", "orientation_landscape_1.jpg"),
        ("orientation_portrait_5.jpg", "orientation_portrait_1.jpg"),
        ("orientation_portrait_6.jpg", "orientation_portrait_1.jpg"),
    ],
)
def test_real_orientation_files_come_out_upright(name, upright):
    expected = decode(process_image(fixture(upright)).display)
    got = decode(process_image(fixture(name)).display)
    assert got.size == expected.size
    assert mean_abs_diff(got, expected) < 6
    # ... and the comparison can tell orientations apart:
    assert mean_abs_diff(got.transpose(Image.Transpose.ROTATE_180), expected) > 15


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("name", ["orientation_landscape_1.jpg", "orientation_portrait_1.jpg"])
def test_all_eight_orientations_come_out_upright(name, orientation):
    upright = decode(fixture(name)).convert("RGB")
    data = with_orientation(upright, orientation)
    assert ImageOps.exif_transpose(decode(data)).size == upright.size  # sanity of the helper
    result = process_image(data)
    got = decode(result.display)
    assert got.size == upright.size == (result.width, result.height)
    assert mean_abs_diff(got, upright) < 5
    for wrong in (Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM):
        assert mean_abs_diff(got.transpose(wrong), upright) > 10


def test_orientation_applies_after_shrinking(photo_12mp):
    """Shrink-on-load and resize work on stored pixels; the rotation must still be right."""
    upright = decode(photo_12mp)
    data = with_orientation(upright, 6)
    result = process_image(data)
    assert (result.width, result.height) == (1600, 1200)
    reference = upright.resize((1600, 1200), Image.Resampling.LANCZOS)
    assert mean_abs_diff(decode(result.display), reference) < 4


# --------------------------------------------------------------------------------------
# Metadata never leaves
# --------------------------------------------------------------------------------------


def jpeg_with_everything() -> bytes:
    """EXIF with GPS, XMP, IPTC, an ICC profile and a comment, all in one camera JPEG."""
    image = decode(fixture("gps_DSCN0010.jpg"))
    exif = image.getexif()
    assert exif.get_ifd(0x8825), "fixture lost its GPS IFD"
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        image,
        "JPEG",
        quality=90,
        exif=exif.tobytes(),
        icc_profile=srgb,
        comment=b"taken at 221B Baker Street",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>secret</x:xmpmeta>",
    )
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02\x78\x00\x07Address"
    return insert_after_soi(data, 0xED, iptc)


def png_with_everything() -> bytes:
    base = encode(Image.new("RGBA", (64, 48), (10, 200, 30, 255)), "PNG")
    exif = Image.Exif()
    exif[0x010E] = "home address"
    extra = (
        png_chunk(b"tEXt", b"Comment\x00at home")
        + png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta/>")
        + png_chunk(b"eXIf", exif.tobytes())
    )
    return base[:33] + extra + base[33:]


METADATA_SOURCES = {
    "gps_DSCN0010.jpg": lambda: fixture("gps_DSCN0010.jpg"),
    "xmp_BlueSquare.jpg": lambda: fixture("xmp_BlueSquare.jpg"),
    "Canon_40D.jpg": lambda: fixture("Canon_40D.jpg"),
    "orientation_landscape_6.jpg": lambda: fixture("orientation_landscape_6.jpg"),
    "heic_IMG_5195.HEIC": lambda: fixture("heic_IMG_5195.HEIC"),
    "jpeg-with-everything": jpeg_with_everything,
    "png-with-everything": png_with_everything,
    "webp-with-exif-xmp": lambda: encode(
        Image.new("RGB", (50, 40), "navy"), "WEBP", exif=b"Exif\x00\x00MM\x00*", xmp=b"<x/>"
    ),
}


@pytest.mark.parametrize("source", METADATA_SOURCES)
def test_outputs_carry_no_metadata(source):
    data = METADATA_SOURCES[source]()
    result = process_image(data)
    for output in (result.display, result.thumbnail):
        assert_clean_baseline_jpeg(output)
        reopened = decode(output)
        assert not reopened.getexif()
        assert "icc_profile" not in reopened.info
        assert "comment" not in reopened.info
        assert "xmp" not in reopened.info


def test_metadata_fixtures_really_carry_metadata():
    """Guards the test above against vacuous inputs."""
    assert has_segment(fixture("gps_DSCN0010.jpg"), 0xE1, b"Exif\x00")
    assert b"GPS" in fixture("gps_DSCN0010.jpg")[:20000] or decode(
        fixture("gps_DSCN0010.jpg")
    ).getexif().get_ifd(0x8825)
    assert has_segment(fixture("xmp_BlueSquare.jpg"), 0xE1, b"http://ns.adobe.com/xap/1.0/")
    assert has_segment(fixture("Canon_40D.jpg"), 0xE2, b"ICC_PROFILE")
    everything = jpeg_with_everything()
    for marker, prefix in [
        (0xE1, b"Exif"),
        (0xE1, b"http://ns.adobe.com/xap"),
        (0xE2, b"ICC_PROFILE"),
        (0xED, b"Photoshop 3.0"),
        (0xFE, b"taken at"),
    ]:
        assert has_segment(everything, marker, prefix), hex(marker)


# --------------------------------------------------------------------------------------
# Colour: ICC profiles are honoured, then dropped
# --------------------------------------------------------------------------------------


def to_srgb_reference(image: Image.Image, icc: bytes) -> Image.Image:
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    target = ImageCms.createProfile("sRGB")
    return ImageCms.profileToProfile(image, source, target, outputMode="RGB")


def test_heic_decodes_and_display_p3_profile_is_honoured():
    import pi_heif

    data = fixture("heic_IMG_5195.HEIC")
    heif = pi_heif.open_heif(io.BytesIO(data))
    icc = heif.info["icc_profile"]
    pixels = Image.frombytes("RGB", heif.size, bytes(heif.data))

    result = process_image(data)
    assert (result.width, result.height) == (1239, 1600)  # portrait, as the phone shows it
    assert_clean_baseline_jpeg(result.display)
    got = decode(result.display)
    managed = to_srgb_reference(pixels, icc).resize(got.size, Image.Resampling.LANCZOS)
    unmanaged = pixels.resize(got.size, Image.Resampling.LANCZOS)
    assert mean_abs_diff(got, managed) < 2

    def saturation_gap(a: Image.Image, b: Image.Image) -> float:
        sa = np.asarray(a.convert("HSV"))[..., 1].astype(float)
        sb = np.asarray(b.convert("HSV"))[..., 1].astype(float)
        return float(np.abs(sa - sb).mean())

    # P3 -> sRGB changes saturation; we must be closer to the managed version
    assert saturation_gap(got, managed) < saturation_gap(got, unmanaged)


def test_small_heif_decodes():
    result = process_image(fixture("heic_samplefilehub.heif"))
    assert (result.width, result.height) == (640, 426)
    assert_clean_baseline_jpeg(result.display)


def test_jpeg_icc_profile_is_honoured():
    """A JPEG tagged with a wide-gamut profile is converted, not just stripped."""
    import pi_heif

    p3 = pi_heif.open_heif(io.BytesIO(fixture("heic_IMG_5195.HEIC"))).info["icc_profile"]
    rng = np.random.default_rng(7)
    blocks = rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)
    image = Image.fromarray(np.kron(blocks, np.ones((40, 40, 1), dtype=np.uint8)))
    data = encode(image, "JPEG", quality=95, icc_profile=p3)
    got = decode(process_image(data).display)
    assert mean_abs_diff(got, to_srgb_reference(decode(data), p3)) < mean_abs_diff(
        got, decode(data).convert("RGB")
    )
    assert (
        np.abs(np.asarray(got, float) - np.asarray(to_srgb_reference(decode(data), p3))).mean() < 3
    )


def test_cmyk_and_greyscale_become_srgb():
    for mode, colour in (("CMYK", (0, 255, 255, 0)), ("L", 128)):
        result = process_image(encode(Image.new(mode, (80, 60), colour), "JPEG", quality=95))
        got = decode(result.display)
        assert got.mode == "RGB"
        if mode == "CMYK":
            assert_colour(got.getpixel((40, 30)), (230, 30, 40), 50)  # red, not inverted
        else:
            assert all(abs(c - 128) < 4 for c in got.getpixel((40, 30)))


# --------------------------------------------------------------------------------------
# PNG, WebP, GIF
# --------------------------------------------------------------------------------------


RED = (220, 20, 20)


def transparent_with_red_square() -> Image.Image:
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # transparent *black*
    image.paste((*RED, 255), (75, 25, 125, 75))
    return image


@pytest.mark.parametrize(
    ("make", "grey"),
    [
        pytest.param(lambda: encode(transparent_with_red_square(), "PNG"), False, id="png-rgba"),
        pytest.param(
            lambda: encode(transparent_with_red_square().convert("LA"), "PNG"), True, id="png-la"
        ),
        pytest.param(
            lambda: encode(
                transparent_with_red_square().convert("P", palette=Image.Palette.ADAPTIVE),
                "PNG",
                transparency=0,
            ),
            False,
            id="png-palette-trns",
        ),
        pytest.param(
            lambda: encode(transparent_with_red_square(), "WEBP", lossless=True),
            False,
            id="webp-alpha",
        ),
        pytest.param(
            lambda: encode(transparent_with_red_square(), "GIF", transparency=0),
            False,
            id="gif-alpha",
        ),
    ],
)
def test_alpha_is_flattened_onto_white(make, grey):
    data = make()
    got = decode(process_image(data).display)
    assert got.size == (200, 100)
    corner = got.getpixel((5, 5))
    assert all(c > 245 for c in corner), corner
    centre = got.getpixel((100, 50))
    expected = Image.new("RGB", (1, 1), RED).convert("L" if grey else "RGB").convert("RGB")
    assert all(abs(a - b) < 12 for a, b in zip(centre, expected.getpixel((0, 0)), strict=True))
    # no dark halo bleeding from the transparent black around the square
    edge = np.asarray(got.convert("L"), float)[20:80, 60:140]
    assert edge.min() > 0.8 * np.asarray(expected.convert("L"), float).min()


def test_16bit_png():
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (64, 1))  # dark -> light
    data = encode(Image.fromarray(ramp), "PNG")
    assert data[24] == 16  # bit depth in IHDR
    got = np.asarray(decode(process_image(data).display).convert("L"), float)
    assert got[:, :16].mean() < 20
    assert got[:, -16:].mean() > 235


@pytest.mark.parametrize("params", [{"quality": 90}, {"lossless": True}])
def test_webp(params):
    photo = decode(fixture("gps_DSCN0010.jpg")).convert("RGB")
    data = encode(photo, "WEBP", **params)
    result = process_image(data)
    assert (result.width, result.height) == photo.size
    assert mean_abs_diff(decode(result.display), photo) < 3


def test_large_webp_uses_scaled_decode():
    photo = decode(fixture("orientation_landscape_1.jpg")).convert("RGB")
    data = encode(photo.resize((3200, 2400)), "WEBP", quality=80)
    result = process_image(data)
    assert (result.width, result.height) == (1600, 1200)
    assert mean_abs_diff(decode(result.display), photo.resize((1600, 1200))) < 4


def test_animated_webp_first_frame():
    frames = [Image.new("RGB", (60, 40), c) for c in ("red", "blue", "lime")]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert_colour(decode(process_image(data).display).getpixel((30, 20)), (255, 0, 0), 15)


def test_gif_first_frame():
    frames = [Image.new("RGB", (60, 40), c) for c in ("red", "blue", "lime")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert decode(data).n_frames == 3
    result = process_image(data)
    assert (result.width, result.height) == (60, 40)
    assert_colour(decode(result.display).getpixel((30, 20)), (255, 0, 0), 15)


# --------------------------------------------------------------------------------------
# Sizes, encoding, hashes
# --------------------------------------------------------------------------------------


def test_12mp_photo_is_shrunk_to_1600_and_close_to_full_quality(photo_12mp):
    result = process_image(photo_12mp)
    assert isinstance(result, ProcessedImage)
    assert (result.width, result.height) == (1600, 1200)
    display = decode(result.display)
    thumb = decode(result.thumbnail)
    assert display.size == (1600, 1200)
    assert thumb.size == (320, 240)
    reference = decode(photo_12mp).resize((1600, 1200), Image.Resampling.LANCZOS)
    assert mean_abs_diff(display, reference) < 2
    assert_clean_baseline_jpeg(result.display)
    assert_clean_baseline_jpeg(result.thumbnail)


def test_portrait_and_long_side_parameter():
    image = Image.new("RGB", (900, 2000), "teal")
    result = process_image(encode(image, "PNG"))
    assert (result.width, result.height) == (720, 1600)
    assert decode(result.thumbnail).size == (144, 320)
    custom = process_image(encode(image, "PNG"), long_side=1000, thumb_long_side=100)
    assert (custom.width, custom.height) == (450, 1000)
    assert decode(custom.thumbnail).size == (45, 100)


def test_extreme_aspect_ratio():
    result = process_image(encode(Image.new("RGB", (4000, 3), "red"), "PNG"))
    assert (result.width, result.height) == (1600, 1)
    assert decode(result.thumbnail).size == (320, 1)


@pytest.mark.parametrize("size", [(1, 1), (50, 30), (1600, 1200), (1599, 10)])
def test_never_upscaled(size):
    result = process_image(encode(Image.new("RGB", size, "gold"), "PNG"))
    assert (result.width, result.height) == size
    assert decode(result.display).size == size
    thumb = decode(result.thumbnail)
    assert max(thumb.size) <= 320
    assert thumb.size[0] <= size[0]


def test_thumbnail_is_made_from_the_display(photo_12mp):
    result = process_image(photo_12mp)
    from_display = decode(result.display).resize((320, 240), Image.Resampling.LANCZOS)
    assert mean_abs_diff(decode(result.thumbnail), from_display) < 2


def test_quality_parameter_changes_size():
    data = fixture("gps_DSCN0010.jpg")
    assert len(process_image(data, quality=50).display) < len(process_image(data).display)


def test_sha256_matches_display_and_is_deterministic():
    data = fixture("orientation_landscape_6.jpg")
    first = process_image(data)
    assert first.sha256 == hashlib.sha256(first.display).hexdigest()
    assert process_image(data) == first


def test_phash_near_for_reencoded_far_for_different():
    photo = decode(fixture("orientation_landscape_1.jpg")).convert("RGB")
    original = process_image(fixture("orientation_landscape_1.jpg"))
    reencoded = process_image(encode(photo, "JPEG", quality=40))
    resized = process_image(encode(photo.resize((300, 225)), "PNG"))
    other = process_image(fixture("gps_DSCN0010.jpg"))
    other2 = process_image(fixture("orientation_portrait_1.jpg"))
    assert len(original.phash) == 16
    int(original.phash, 16)
    assert perceptual_hash_distance(original.phash, reencoded.phash) <= 6
    assert perceptual_hash_distance(original.phash, resized.phash) <= 8
    assert perceptual_hash_distance(original.phash, other.phash) >= 20
    assert perceptual_hash_distance(original.phash, other2.phash) >= 16


def test_perceptual_hash_distance():
    assert perceptual_hash_distance("0" * 16, "0" * 16) == 0
    assert perceptual_hash_distance("0" * 16, "f" * 16) == 64
    assert perceptual_hash_distance("8000000000000001", "0000000000000000") == 2


# --------------------------------------------------------------------------------------
# Nothing but UnsupportedImage escapes (a quick sample; the fuzz test does 10,000+)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x10\x00\x10\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01",
        b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x00\x00\x10\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01",
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)),
        b"GIF89a\x04\x00\x04\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x04\x00\x04\x00\x00\x02",
        b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x03\x00\x00\x00" + bytes(12),
        b"\x00\x00\x00\x14ftypheic\x00\x00\x00\x00heic" + bytes(64),
    ],
)
def test_hand_made_hostile_headers(data):
    with contextlib.suppress(UnsupportedImage):
        process_image(data)


def test_unsupported_image_survives_pickling():
    """Task queues pickle exceptions; the sender's message and the code must survive."""
    import pickle

    with pytest.raises(UnsupportedImage) as excinfo:
        process_image(fixture("corrupted.jpg"))
    copy = pickle.loads(pickle.dumps(excinfo.value))
    assert str(copy) == str(excinfo.value)
    assert copy.code == "damaged"
