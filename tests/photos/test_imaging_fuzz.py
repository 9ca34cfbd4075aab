"""Fuzz the intake pipeline: whatever the bytes, only UnsupportedImage may come out.

Seeds are small images in every accepted format (made here with Pillow so each decode
takes a millisecond or two) plus a few real camera/phone fixtures. Hypothesis mutates them
with bit flips, byte overwrites, insertions, deletions, truncations, chunk duplication and
header splices across formats, reproducibly (``derandomize=True``, no example database).

Memory: every input is processed with a 2 MP pixel budget, so the header check bounds what
any single decode may allocate, and a separate seeded loop (without Hypothesis, whose own
bookkeeping grows by ~125 MB over 10,000 examples) checks that resident memory stays flat:
no leak of buffers, libvips pipelines or HEIF decoder children.
"""

from __future__ import annotations

import io
import random
import resource
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from kinframe.photos import imaging
from kinframe.photos.imaging import ProcessedImage, UnsupportedImage, probe_image, process_image

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "photos"

EXAMPLES = 10_500
PIXEL_BUDGET = 2_000_000  # per input: caps what one decode may allocate (~8 MB RGBA)
RSS_GROWTH_LIMIT_MB = 32


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _picture(width: int, height: int, seed: int) -> Image.Image:
    """Something photo-like: gradients, blocks and noise, so every codec path has work."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack(
        [x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), (x ^ y) & 0xFF], axis=-1
    )
    noise = rng.integers(-20, 20, (height, width, 3))
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))


def _seeds() -> dict[str, bytes]:
    rgb = _picture(96, 64, 1)
    rgba = rgb.copy()
    rgba.putalpha(Image.linear_gradient("L").resize(rgb.size))
    exif = Image.Exif()
    exif[0x0112] = 6
    frames = [_picture(40, 30, s) for s in (2, 3)]
    seeds = {
        "jpeg": _encode(rgb, "JPEG", quality=80),
        "jpeg-progressive": _encode(rgb, "JPEG", quality=70, progressive=True),
        "jpeg-exif-orientation": _encode(rgb, "JPEG", exif=exif.tobytes()),
        "jpeg-grey": _encode(rgb.convert("L"), "JPEG"),
        "jpeg-cmyk": _encode(rgb.convert("CMYK"), "JPEG"),
        "jpeg-444-icc": _encode(rgb, "JPEG", subsampling=0, icc_profile=b"\0" * 132),
        "png": _encode(rgb, "PNG"),
        "png-rgba": _encode(rgba, "PNG"),
        "png-palette": _encode(rgb.convert("P"), "PNG", transparency=3),
        "png-grey16": _encode(rgb.convert("I;16"), "PNG"),
        "webp-lossy": _encode(rgb, "WEBP", quality=60),
        "webp-lossless": _encode(rgba, "WEBP", lossless=True),
        "webp-extended": _encode(rgb, "WEBP", exif=exif.tobytes()),
        "webp-animated": _encode(frames[0], "WEBP", save_all=True, append_images=frames[1:]),
        "gif": _encode(rgb, "GIF"),
        "gif-animated": _encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
    }
    # Pillow cannot write Adam7 PNGs; libvips can (and must then buffer the whole image).
    seeds["png-interlaced"] = bytes(
        imaging._vips().Image.pngload_buffer(seeds["png"]).pngsave_buffer(interlace=True)
    )
    # A few real files too (camera EXIF/ICC layouts, a phone HEIF).
    for name in ("Canon_40D.jpg", "xmp_BlueSquare.jpg", "heic_samplefilehub.heif"):
        seeds[name] = (FIXTURES / name).read_bytes()
    return seeds


SEEDS = _seeds()
SEED_NAMES = sorted(SEEDS)
INTERESTING = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(SEEDS[draw(st.sampled_from(SEED_NAMES))])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        kind = draw(
            st.sampled_from(
                ["flip", "byte", "insert", "delete", "truncate", "duplicate", "splice", "header"]
            )
        )
        n = len(data)
        pos = draw(st.integers(0, n - 1))
        if kind == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            data[pos] = draw(st.sampled_from(INTERESTING) | st.integers(0, 255))
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif kind == "truncate":
            del data[pos:]
        elif kind == "duplicate":
            size = draw(st.integers(1, 256))
            data[pos:pos] = data[pos : pos + size]
        elif kind == "splice":  # one file's header on another file's body
            other = SEEDS[draw(st.sampled_from(SEED_NAMES))]
            cut = draw(st.integers(2, 256))
            data = data[:cut] + other[cut:]
        else:  # hammer the first bytes, where sizes, magic and chunk lengths live
            at = draw(st.integers(0, min(n, 64) - 1))
            data[at] = draw(st.sampled_from(INTERESTING) | st.integers(0, 255))
    return bytes(data)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _check(data: bytes, counts: dict[str, int]) -> None:
    """The property: a ProcessedImage within limits, or UnsupportedImage with a message."""
    counts["inputs"] += 1
    try:
        info = probe_image(data, max_pixels=PIXEL_BUDGET)
    except UnsupportedImage:
        info = None
    else:
        counts["probe_ok"] += 1
        assert info.width * info.height <= PIXEL_BUDGET
    try:
        result = process_image(data, max_pixels=PIXEL_BUDGET)
    except UnsupportedImage as exc:
        refusal = str(exc)
    else:
        refusal = None
    if refusal is not None:
        assert refusal  # a message for the sender, never empty
        return
    counts["processed"] += 1
    assert info is not None, "process_image accepted what probe_image refused"
    assert isinstance(result, ProcessedImage)
    assert result.display[:2] == b"\xff\xd8"
    assert max(result.width, result.height) <= 1600


@pytest.mark.slow
def test_fuzzed_images_raise_only_unsupported_image():
    counts = {"inputs": 0, "probe_ok": 0, "processed": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(mutated())
    def fuzz(data: bytes) -> None:
        _check(data, counts)

    # Every seed must itself be accepted, or the fuzzing would only exercise refusals.
    for name, data in SEEDS.items():
        assert isinstance(process_image(data), ProcessedImage), name

    maxrss_before = _maxrss_mb()
    started = time.perf_counter()
    fuzz()
    elapsed = time.perf_counter() - started
    maxrss_growth = _maxrss_mb() - maxrss_before
    print(
        f"\nfuzz: {counts['inputs']} inputs in {elapsed:.0f}s; probe accepted "
        f"{counts['probe_ok']}, fully processed {counts['processed']}; "
        f"peak RSS growth {maxrss_growth:.0f} MB (Hypothesis bookkeeping included)"
    )
    assert counts["inputs"] >= 10_000
    assert counts["processed"] > 500, "mutations too destructive to reach the decoders"
    assert counts["probe_ok"] > counts["processed"], "no damaged-in-decode inputs"
    # Catastrophes only (a bomb decoded at full size would be gigabytes); the leak check
    # is below, without Hypothesis's own bookkeeping in the numbers.
    assert maxrss_growth < 400


def _mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            break
        pos = rng.randrange(len(out))
        kind = rng.randrange(6)
        if kind == 0:
            out[pos] ^= 1 << rng.randrange(8)
        elif kind == 1:
            out[rng.randrange(min(64, len(out)))] = rng.choice(INTERESTING)
        elif kind == 2:
            out[pos:pos] = rng.randbytes(rng.randint(1, 16))
        elif kind == 3:
            del out[pos : pos + rng.randint(1, 64)]
        elif kind == 4:
            del out[pos:]
        else:
            other = SEEDS[rng.choice(SEED_NAMES)]
            cut = rng.randint(2, 256)
            out = out[:cut] + bytearray(other[cut:])
    return bytes(out)


@pytest.mark.slow
def test_memory_stays_bounded_over_many_inputs():
    """Resident memory after 3,000 mutated inputs is within a few MB of where it was after a
    300-input warm-up (allocator arenas and libvips' caches settle during the warm-up), and
    the peak never jumps: each input's decode is bounded by the header pixel budget."""
    rng = random.Random(20240601)
    counts = {"inputs": 0, "probe_ok": 0, "processed": 0}
    for _ in range(300):
        _check(_mutate(rng, SEEDS[rng.choice(SEED_NAMES)]), counts)
    rss_before = _rss_mb()
    maxrss_before = _maxrss_mb()
    for _ in range(3000):
        _check(_mutate(rng, SEEDS[rng.choice(SEED_NAMES)]), counts)
    rss_growth = _rss_mb() - rss_before
    maxrss_growth = _maxrss_mb() - maxrss_before
    print(
        f"\nmemory: {counts['inputs']} inputs, {counts['processed']} processed; RSS growth "
        f"{rss_growth:.1f} MB, peak RSS growth {maxrss_growth:.1f} MB"
    )
    assert counts["processed"] > 100
    assert rss_growth < RSS_GROWTH_LIMIT_MB
    assert maxrss_growth < RSS_GROWTH_LIMIT_MB


@pytest.mark.slow
def test_truncation_at_every_offset_of_every_seed():
    """Systematic, not random: each seed cut at each of its first 64 bytes (headers) and at
    300 evenly spaced offsets through the rest."""
    counts = {"inputs": 0, "probe_ok": 0, "processed": 0}
    for data in SEEDS.values():
        cuts = sorted(set(range(64)) | {len(data) * i // 300 for i in range(300)})
        for cut in cuts:
            _check(data[:cut], counts)
    assert counts["inputs"] > 6_000
