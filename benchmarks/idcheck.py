"""ID-selfie pre-check latency per 12-megapixel photo, pinned to one CPU core.

    .venv/bin/python benchmarks/idcheck.py [--photos 25] [--side 4000x3000]

Prints p50/p95/max over a mix of synthetic photos (clean, glare, mirrored, no face, blurry;
JPEG quality 90, ~2 MB each) and per kind. Target: p95 <= 1.5 s on one core.
Mirrored photos are the slow case: they need a second (flipped) OCR pass.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["OMP_THREAD_LIMIT"] = "1"

KINDS = {
    "clean": {},
    "glare": {"glare": True},
    "mirrored": {"mirrored": True},
    "no_face": {"face": False},
    "blurry": {"blur": 3.0},
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=25)
    parser.add_argument("--side", default="4000x3000")
    args = parser.parse_args()
    width, height = (int(v) for v in args.side.split("x"))

    try:
        import django

        django.setup()
    except Exception:
        from django.conf import settings

        settings.configure(USE_I18N=False)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import cv2

    cv2.setNumThreads(1)
    from recovery.idcheck import precheck_id_selfie
    from recovery.tests import imagegen

    kinds = list(KINDS)
    photos = []
    for i in range(args.photos):
        kind = kinds[i % len(kinds)]
        photos.append((kind, imagegen.id_selfie_bytes(width, height, seed=i, **KINDS[kind])))
    precheck_id_selfie(photos[0][1])  # warm-up: cascade load, tesseract page cache

    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    flagged: dict[str, int] = dict.fromkeys(kinds, 0)
    for kind, data in photos:
        started = time.perf_counter()
        result = precheck_id_selfie(data)
        timings[kind].append(time.perf_counter() - started)
        if (
            (kind == "clean" and not result.problems)
            or kind in result.problems
            or (kind == "no_face" and "no_face" in result.problems)
        ):
            flagged[kind] += 1
    every = [t for values in timings.values() for t in values]
    mb = statistics.mean(len(d) for _, d in photos) / 1e6
    print(f"ID-selfie pre-check, {width}x{height} ({width * height / 1e6:.0f} MP) JPEG ~{mb:.1f} MB, one core")
    print(f"{'kind':<10} {'n':>3} {'p50 s':>7} {'p95 s':>7} {'max s':>7}  expected result")
    for kind in kinds:
        values = timings[kind]
        print(
            f"{kind:<10} {len(values):>3} {statistics.median(values):>7.3f} {percentile(values, 95):>7.3f}"
            f" {max(values):>7.3f}  {flagged[kind]}/{len(values)}"
        )
    p95 = percentile(every, 95)
    print(f"{'all':<10} {len(every):>3} {statistics.median(every):>7.3f} {p95:>7.3f} {max(every):>7.3f}")
    print(f"target p95 <= 1.500 s: {'met' if p95 <= 1.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
