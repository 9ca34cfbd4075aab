"""Benchmark the photo intake pipeline (``kinframe.photos.imaging``) against its baselines.

Run with ``.venv/bin/python bench/imaging.py`` (``make bench``). See ``bench/README.md``.

Inputs (generated deterministically into a temporary folder from the test fixtures):

* a 12 MP JPEG (4032x3024, quality 92, 4:2:0, with an EXIF block): the phone HEIC fixture,
  turned to landscape, enlarged with Lanczos to 4032x3024 and given mild deterministic
  grain (sigma 3), so that it decodes like a real phone photo (~2.8 MB);
* the real phone HEIC fixture (2566x3313 = 8.5 MP, 833 KB): pi-heif is decode-only, so we
  cannot make a 12 MP HEIC;
* a 4000x3000 RGB PNG cut from the 12 MP picture.

Cases, timed in the same run, interleaved round-robin, median of 20 after 2 warm-ups, on
one core (``sched_setaffinity`` and ``VIPS_CONCURRENCY=1`` before pyvips is imported):

* ``ours``: ``process_image`` (display + thumbnail + SHA-256 + dHash);
* ``naive Pillow``: open, ``exif_transpose``, Lanczos resize to 1600, save JPEG q95;
* ``thumbnail_buffer``: libvips' own ``thumbnail_buffer(data, 1600)`` + ``jpegsave`` q95;
* ``decode floor``: decode only, at 1/2 scale for JPEG (``shrink=2``), full size for PNG
  and HEIC (they have no scaled decode): a lower bound no pipeline can beat.

Quality: SSIM (Wang et al. 2004, luminance Y = BT.601, 11x11 Gaussian window with
sigma 1.5, C1 = (0.01*255)^2, C2 = (0.03*255)^2, mean over the valid area) of our display
image against a full-quality reference: full decode with Pillow, ``exif_transpose``,
ICC profile converted to sRGB when present, Lanczos resize to the same size. Three numbers:

1. the delivered display JPEG (quality ``imaging.DISPLAY_QUALITY``, 95): target >= 0.98;
2. the pipeline alone: ``process_image(..., quality=100)`` -- shrink-on-load, resampling,
   orientation and colour, with (nearly) no JPEG loss;
3. the reference itself encoded by Pillow at the same quality: what the JPEG encoding alone
   costs. At quality 85 this ceiling is ~0.972 on photo content, which is why the display is
   encoded at 95.

Memory: each case runs once more in a fresh subprocess that reports its ``ru_maxrss``, so
the figure is what one worker process needs (interpreter and libraries included).
"""

from __future__ import annotations

import os
import sys

CORE = 0
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {CORE})
os.environ["VIPS_CONCURRENCY"] = "1"

import io  # noqa: E402  (pinning and VIPS_CONCURRENCY must come before pyvips loads)
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pi_heif  # noqa: E402
import pyvips  # noqa: E402
from PIL import Image, ImageCms, ImageOps  # noqa: E402

from kinframe.photos import imaging  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "photos"
HEIC_FIXTURE = FIXTURES / "heic_IMG_5195.HEIC"
RUNS = 20
WARMUPS = 2
LONG_SIDE = 1600
QUALITY = imaging.DISPLAY_QUALITY  # every case encodes the display at the quality we deliver

# Targets, on the 12 MP JPEG.
MIN_SPEEDUP_VS_PILLOW = 3.5
MAX_RATIO_TO_FLOOR = 2.0
MIN_SSIM = 0.98
MAX_PEAK_MB = 150.0

pi_heif.register_heif_opener()


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def make_inputs(folder: Path) -> dict[str, Path]:
    photo = Image.open(HEIC_FIXTURE).convert("RGB")  # 2566x3313, a real phone photo
    photo = photo.transpose(Image.Transpose.ROTATE_90)
    photo = photo.resize((4032, 3024), Image.Resampling.LANCZOS)
    grain = np.random.default_rng(12).normal(0, 3.0, (3024, 4032, 1))
    pixels = np.clip(np.asarray(photo, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    photo = Image.fromarray(pixels)

    exif = Image.Exif()
    exif[0x010F] = "Kinframe"  # Make
    exif[0x0110] = "Bench Phone"  # Model
    exif[0x0112] = 1  # Orientation
    jpeg = folder / "12mp.jpg"
    photo.save(jpeg, "JPEG", quality=92, subsampling=2, exif=exif.tobytes())
    png = folder / "4000x3000.png"
    photo.crop((16, 12, 4016, 3012)).save(png, "PNG", compress_level=6)
    return {"jpeg": jpeg, "heic": HEIC_FIXTURE, "png": png}


# --------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------


def target_size(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, LONG_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def ours(data: bytes) -> bytes:
    return imaging.process_image(data).display


def naive_pillow(data: bytes) -> bytes:
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    image = image.convert("RGB").resize(target_size(image.size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY)
    return out.getvalue()


def thumbnail_buffer(data: bytes) -> bytes:
    return pyvips.Image.thumbnail_buffer(data, LONG_SIDE).jpegsave_buffer(Q=QUALITY)


def decode_floor(fmt: str) -> Callable[[bytes], object]:
    if fmt == "jpeg":
        return lambda data: pyvips.Image.jpegload_buffer(
            data, shrink=2, access="sequential"
        ).copy_memory()
    if fmt == "png":
        return lambda data: pyvips.Image.pngload_buffer(data, access="sequential").copy_memory()

    def heif(data: bytes) -> object:
        heif_file = pi_heif.open_heif(io.BytesIO(data))
        heif_file.data  # noqa: B018 - decodes (keep heif_file alive while its buffer is used)
        return heif_file

    return heif


def cases_for(fmt: str) -> dict[str, Callable[[bytes], object]]:
    cases: dict[str, Callable[[bytes], object]] = {
        "ours": ours,
        "naive Pillow": naive_pillow,
    }
    if fmt != "heic":  # the libvips wheel has no HEVC decoder
        cases["thumbnail_buffer"] = thumbnail_buffer
    cases["decode floor"] = decode_floor(fmt)
    return cases


def time_cases(data: bytes, cases: dict[str, Callable[[bytes], object]]) -> dict[str, float]:
    """Median milliseconds per case; cases interleaved so machine noise hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for run in range(WARMUPS + RUNS):
        for name, case in cases.items():
            started = time.perf_counter()
            case(data)
            elapsed = (time.perf_counter() - started) * 1000
            if run >= WARMUPS:
                samples[name].append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


# --------------------------------------------------------------------------------------
# Quality: SSIM on luminance
# --------------------------------------------------------------------------------------


def _gaussian_kernel(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size) - (size - 1) / 2
    kernel = np.exp(-(x**2) / (2 * sigma**2))
    return kernel / kernel.sum()


def _filter(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Separable 'valid' convolution, one vectorised shift per tap."""
    n = len(kernel)
    height, width = image.shape
    rows = sum(kernel[i] * image[:, i : width - n + 1 + i] for i in range(n))
    return sum(kernel[i] * rows[i : height - n + 1 + i, :] for i in range(n))


def luminance(image: Image.Image) -> np.ndarray:
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    return rgb @ np.array([0.299, 0.587, 0.114])


def ssim(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size, (a.size, b.size)
    x, y = luminance(a), luminance(b)
    kernel = _gaussian_kernel()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_x, mu_y = _filter(x, kernel), _filter(y, kernel)
    var_x = _filter(x * x, kernel) - mu_x**2
    var_y = _filter(y * y, kernel) - mu_y**2
    cov = _filter(x * y, kernel) - mu_x * mu_y
    index = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / (
        (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)
    )
    return float(index.mean())


def reference(data: bytes, size: tuple[int, int]) -> Image.Image:
    """Full decode, EXIF orientation, ICC -> sRGB, Lanczos to ``size``."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    icc = image.info.get("icc_profile")
    image = image.convert("RGB")
    if icc:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"))
    return image.resize(size, Image.Resampling.LANCZOS)


# --------------------------------------------------------------------------------------
# Memory: one case, once, in a fresh process
# --------------------------------------------------------------------------------------


def _vm_hwm_mb() -> float:
    """Peak resident set of this process image. Unlike ``ru_maxrss``, VmHWM starts afresh
    at exec, so it does not inherit the (large) peak of the bench process that spawned us."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(fmt: str, case: str, path: str) -> None:
    data = Path(path).read_bytes()
    if case != "imports only":
        cases_for(fmt)[case](data)
    # A forked child (the HEIF decoder) reports its own peak, which includes the pages it
    # shares copy-on-write with this process.
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"self": _vm_hwm_mb(), "children": children_mb}))


def peak_memory(fmt: str, case: str, path: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [sys.executable, __file__, "--child", fmt, case, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main() -> int:
    print(f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}, ", end="")
    print(f"pyvips {pyvips.__version__}, Pillow {Image.__version__}, pi-heif {pi_heif.__version__}")
    print(f"pinned to CPU {CORE}, VIPS_CONCURRENCY=1, median of {RUNS} runs\n")
    failures: list[str] = []

    with tempfile.TemporaryDirectory(prefix="kinframe-bench-") as tmp:
        inputs = make_inputs(Path(tmp))
        baseline = peak_memory("jpeg", "imports only", inputs["jpeg"])["self"]
        for fmt, path in inputs.items():
            data = path.read_bytes()
            info = imaging.probe_image(data)
            cases = cases_for(fmt)
            timings = time_cases(data, cases)
            memory = {name: peak_memory(fmt, name, path) for name in cases}
            result = imaging.process_image(data)
            display = Image.open(io.BytesIO(result.display))
            ref = reference(data, display.size)
            # 1. the pipeline itself: resampling, orientation, colour (JPEG at quality 100)
            lossless = imaging.process_image(data, quality=100).display
            quality = ssim(Image.open(io.BytesIO(lossless)), ref)
            # 2. what is delivered: the display JPEG
            delivered = ssim(display, ref)
            # 3. what the JPEG quality alone costs: the reference itself, encoded by Pillow
            ceiling_jpeg = io.BytesIO()
            ref.save(ceiling_jpeg, "JPEG", quality=QUALITY)
            ceiling = ssim(Image.open(ceiling_jpeg), ref)

            mp = info.width * info.height / 1e6
            print(
                f"== {fmt.upper()} {info.width}x{info.height} ({mp:.1f} MP, "
                f"{len(data) / 1e6:.1f} MB) -> display {result.width}x{result.height} "
                f"({len(result.display) / 1e3:.0f} KB), thumbnail "
                f"{len(result.thumbnail) / 1e3:.0f} KB"
            )
            print(f"   {'case':<18}{'median ms':>10}{'vs ours':>9}{'peak RSS MB':>13}")
            for name, ms in timings.items():
                rss = memory[name]["self"]
                extra = ""
                if memory[name]["children"] > 0:
                    extra = f"  (+ decoder child peak {memory[name]['children']:.0f} MB)"
                ratio = ms / timings["ours"]
                print(f"   {name:<18}{ms:>10.1f}{ratio:>8.2f}x{rss:>13.0f}{extra}")
            speedup = timings["naive Pillow"] / timings["ours"]
            to_floor = timings["ours"] / timings["decode floor"]
            print(f"   speed-up vs naive Pillow: {speedup:.2f}x")
            if "thumbnail_buffer" in timings:
                print(
                    f"   ours / thumbnail_buffer: {timings['ours'] / timings['thumbnail_buffer']:.2f}"
                )
            print(f"   ours / decode floor: {to_floor:.2f}")
            print("   SSIM vs full-quality reference (luminance):")
            print(f"     pipeline (display at quality 100):     {quality:.4f}")
            print(f"     delivered display JPEG (quality {QUALITY}):   {delivered:.4f}")
            print(f"     reference itself as a q{QUALITY} JPEG (ceiling): {ceiling:.4f}")
            print(f"   (interpreter + libraries alone: {baseline:.0f} MB)\n")

            if fmt == "jpeg":
                checks = [
                    (
                        f">= {MIN_SPEEDUP_VS_PILLOW}x faster than naive Pillow",
                        speedup >= MIN_SPEEDUP_VS_PILLOW,
                        f"{speedup:.2f}x",
                    ),
                    (
                        "no slower than thumbnail_buffer",
                        timings["ours"] <= timings["thumbnail_buffer"],
                        f"{timings['ours']:.1f} vs {timings['thumbnail_buffer']:.1f} ms",
                    ),
                    (
                        f"within {MAX_RATIO_TO_FLOOR}x of the decode floor",
                        to_floor <= MAX_RATIO_TO_FLOOR,
                        f"{to_floor:.2f}x",
                    ),
                    (
                        f"delivered display (q{QUALITY}) SSIM >= {MIN_SSIM}",
                        delivered >= MIN_SSIM,
                        f"{delivered:.4f}",
                    ),
                    (
                        f"peak memory < {MAX_PEAK_MB:.0f} MB",
                        memory["ours"]["self"] < MAX_PEAK_MB,
                        f"{memory['ours']['self']:.0f} MB",
                    ),
                ]
                print("Targets (12 MP JPEG):")
                for label, ok, value in checks:
                    print(f"   {'PASS' if ok else 'FAIL'}  {label}: {value}")
                    if not ok:
                        failures.append(label)
                print()

    if failures:
        print(f"FAILED: {', '.join(failures)}")
        return 1
    print("All targets met.")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        sys.exit(main())
