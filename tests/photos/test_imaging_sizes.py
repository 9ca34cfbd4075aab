"""Every valid photo is accepted, whatever its width and height (issue 10).

A property test over random sizes in each accepted format, drawn from every size class a family
can send: 1x1, tiny, odd, prime, very wide, very tall, above 3200 px with sides that are not a
multiple of the JPEG shrink-on-load factor (cropped and edited photos), and, once, near the pixel
limit. For each, the pipeline must accept the file, and the display image must keep the aspect
ratio within a pixel with a long side of min(1600, original); the thumbnail, min(320, that).

The files are made by an independent encoder (Pillow); HEIC, which nothing here can encode, is
made by rewriting the output size of the real iPhone fixture's tile grid (3072x3584 of tiles,
cropped by libheif to the size we write), so HEIC sizes go up to 3072x3584.
"""

from __future__ import annotations

import io
import struct
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from kinframe.photos import imaging
from kinframe.photos.imaging import UnsupportedImage, probe_image, process_image

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "photos"
LONG_SIDE = 1600
THUMB_SIDE = 320

# Largest side each encoder (or, for HEIC, the fixture's tile grid) can write.
MAX_SIDE = {"JPEG": 65_500, "PNG": 65_535, "WEBP": 16_383, "GIF": 65_535, "HEIC": 3_584}
HEIC_MAX = (3072, 3584)  # 6 x 7 tiles of 512 px
# Above this many pixels the examples get slow to encode; the pixel limit has its own test.
BUDGET = 18_000_000

PRIMES = [2, 3, 5, 7, 11, 13, 101, 211, 509, 1021, 1601, 2039, 3203, 3331, 4099, 5003, 7919]


def _fit(fmt: str, width: int, height: int) -> tuple[int, int]:
    """Clamp a drawn size to what the format (or, for HEIC, the fixture's grid) can hold."""
    limit_w, limit_h = HEIC_MAX if fmt == "HEIC" else (MAX_SIDE[fmt], MAX_SIDE[fmt])
    return min(width, limit_w), min(height, limit_h)


def sizes(fmt: str, size_class: str) -> st.SearchStrategy[tuple[int, int]]:
    fitted = SIZE_CLASSES[size_class].map(lambda size: _fit(fmt, *size))
    return fitted.filter(lambda size: size[0] * size[1] <= BUDGET)


side = st.integers(1, 4000)
SIZE_CLASSES = {
    "one pixel": st.just((1, 1)),
    "tiny": st.tuples(st.integers(1, 16), st.integers(1, 16)),
    "odd": st.tuples(side.map(lambda n: n | 1), side.map(lambda n: n | 1)),
    "prime": st.tuples(st.sampled_from(PRIMES), st.sampled_from(PRIMES)),
    "very wide": st.tuples(st.integers(1601, 65_500), st.integers(1, 7)),
    "very tall": st.tuples(st.integers(1, 7), st.integers(1601, 65_500)),
    # A side above 3200 px that is not a multiple of 8 (the largest shrink-on-load factor).
    "large, not a multiple of 8": st.tuples(
        st.integers(3201, 4800).filter(lambda n: n % 8), st.integers(1200, 3600)
    ).flatmap(lambda size: st.sampled_from([size, size[::-1]])),
}
FORMATS = ["JPEG", "PNG", "WEBP", "GIF", "HEIC"]


def encode(fmt: str, width: int, height: int) -> bytes:
    if fmt == "HEIC":
        return heic_of_size(width, height)
    # A diagonal gradient: detail in both directions, cheap to make at any size.
    image = Image.linear_gradient("L").resize((width, height), Image.Resampling.NEAREST)
    image = Image.merge("RGB", (image, image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), image))
    if fmt == "GIF":
        image = image.convert("P")
    buffer = io.BytesIO()
    options = {"PNG": {"compress_level": 1}, "WEBP": {"quality": 80, "method": 0}}.get(fmt, {})
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


@cache
def _heic_fixture() -> bytes:
    return (FIXTURES / "heic_IMG_5195.HEIC").read_bytes()


def heic_of_size(width: int, height: int) -> bytes:
    """The iPhone fixture with its grid's output size (and ``ispe``) set to ``width x height``.

    The fixture's primary item is a 6 x 7 grid of 512 px HEVC tiles, whose 8-byte ImageGrid
    lives in ``idat``; libheif crops the assembled tiles to the output size it names.
    """
    data = bytearray(_heic_fixture())
    grid = data.index(b"idat") + 4  # version, flags, rows-1, columns-1, width, height
    assert data[grid : grid + 4] == b"\x00\x00\x06\x05"
    struct.pack_into(">HH", data, grid + 4, width, height)
    ispe = data.index(b"ispe\x00\x00\x00\x00\x00\x00\x0a\x06\x00\x00\x0c\xf1") + 8
    struct.pack_into(">II", data, ispe, width, height)
    return bytes(data)


def assert_accepted_with_its_shape(data: bytes, width: int, height: int) -> None:
    assert probe_image(data).width == width
    processed = process_image(data)  # must not raise UnsupportedImage
    long = max(width, height)
    target = min(LONG_SIDE, long)
    scale = target / long
    assert max(processed.width, processed.height) == target
    assert abs(processed.width - width * scale) <= 1, (processed.width, width * scale)
    assert abs(processed.height - height * scale) <= 1, (processed.height, height * scale)
    assert min(processed.width, processed.height) >= 1
    display = Image.open(io.BytesIO(processed.display))
    assert display.size == (processed.width, processed.height)
    thumbnail = Image.open(io.BytesIO(processed.thumbnail))
    assert max(thumbnail.size) == min(THUMB_SIDE, target)
    thumb_scale = max(thumbnail.size) / target
    assert abs(thumbnail.width - processed.width * thumb_scale) <= 1
    assert abs(thumbnail.height - processed.height * thumb_scale) <= 1


@pytest.mark.slow
@pytest.mark.parametrize("size_class", list(SIZE_CLASSES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_size_in_every_format_is_accepted_and_keeps_its_shape(fmt, size_class):
    @settings(
        max_examples=3,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(sizes(fmt, size_class))
    def check(size: tuple[int, int]) -> None:
        width, height = size
        assert_accepted_with_its_shape(encode(fmt, width, height), width, height)

    check()


@pytest.mark.parametrize(
    ("fmt", "width", "height"),
    [
        ("JPEG", 3872, 2403),  # the camera photo from the issue
        ("JPEG", 3201, 3203),
        ("JPEG", 12_801, 7),  # shrink 8 would leave no rows at all
        ("JPEG", 6, 12_803),
        ("WEBP", 16_383, 3),
        ("GIF", 4099, 1),
        ("PNG", 1, 5003),
        ("HEIC", 3071, 3583),
        ("HEIC", 1, 1),
    ],
)
def test_sizes_that_were_refused(fmt, width, height):
    assert_accepted_with_its_shape(encode(fmt, width, height), width, height)


@pytest.mark.slow
def test_a_jpeg_just_under_the_pixel_limit_is_accepted():
    width, height = 12_799, 7_813  # 99,998,587 pixels, neither side a multiple of 8
    assert width * height <= 100_000_000
    assert_accepted_with_its_shape(encode("JPEG", width, height), width, height)


@example(size=(3, 1))
@given(size=st.tuples(st.integers(1, 64), st.integers(1, 64)))
@settings(max_examples=40, derandomize=True, deadline=None, database=None)
def test_tiny_jpegs_at_every_shape(size):
    """Cheap enough to run many: every small width and height combination class."""
    assert_accepted_with_its_shape(encode("JPEG", *size), *size)


# --------------------------------------------------------------------------------------
# The loader-size cross-check keeps its teeth
# --------------------------------------------------------------------------------------


@given(stored=st.integers(1, 65_535), shrink=st.sampled_from([1, 2, 4, 8]))
@settings(max_examples=300, derandomize=True, database=None)
def test_size_cross_check_accepts_either_rounding_and_nothing_else(stored, shrink):
    floor, ceil = stored // shrink, -(-stored // shrink)
    for loaded in {floor, ceil} - {0}:
        assert imaging._shrunk_side_matches(stored, loaded, shrink)
    assert not imaging._shrunk_side_matches(stored, floor - 1, shrink)
    assert not imaging._shrunk_side_matches(stored, ceil + 1, shrink)


@pytest.mark.parametrize("claimed", [(3872, 2411), (3880, 2403), (1936, 1201)])
def test_a_header_the_loader_disagrees_with_is_still_refused(claimed, monkeypatch):
    """If our JPEG parser were fooled by a few pixels, shrink-on-load still catches it."""
    data = encode("JPEG", 3872, 2403)
    monkeypatch.setattr(imaging, "_HEADER_PARSERS", {**imaging._HEADER_PARSERS})
    imaging._HEADER_PARSERS["jpeg"] = lambda data: claimed
    with pytest.raises(UnsupportedImage) as excinfo:
        process_image(data)
    assert excinfo.value.code == "damaged"
