"""Instant quality pre-check of an ID selfie (feedback before the customer submits).

The pre-check never decides a case: it only tells the customer, in their language, what
would make a reviewer reject the photo so they can retake it on the spot. Problem codes
(stable, part of the API contract):

    not_an_image  too_large  too_small     -- from core.uploads (content, bytes, pixels)
    blurry        contrast-normalised second-derivative variance (weaker direction) too low
    glare         clipped (all channels >= 250) pixels over the ID document's region
    no_face       no frontal face found by OpenCV's Haar cascade
    mirrored      text reads better flipped than as taken (Tesseract, Latin/digits)

Speed: the photo is decoded at reduced size (libjpeg DCT scaling for JPEG) and analysed at
ANALYSIS_SIDE pixels on the long side, so a 12-megapixel photo costs one small decode, one
cascade pass on a 640 px copy and usually one OCR pass (a second, flipped pass only when
the first finds little text). See benchmarks/idcheck.py.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps

from core.errors import ApplicationError, CoreErrorCode
from core.uploads import IMAGE_KINDS, inspect_upload

PROBLEM_CODES = ("not_an_image", "too_large", "too_small", "blurry", "glare", "no_face", "mirrored")
# Problems that make the image unusable (the other checks are not run).
FATAL_PROBLEMS = frozenset({"not_an_image", "too_large", "too_small"})

_UPLOAD_ERROR_TO_PROBLEM: dict[str, str] = {
    CoreErrorCode.EMPTY_FILE: "not_an_image",
    CoreErrorCode.NOT_AN_IMAGE: "not_an_image",
    CoreErrorCode.UNSUPPORTED_TYPE: "not_an_image",
    CoreErrorCode.CORRUPT_FILE: "not_an_image",
    CoreErrorCode.TOO_LARGE: "too_large",
    CoreErrorCode.TOO_SMALL: "too_small",
}


@dataclass(frozen=True, slots=True)
class PrecheckConfig:
    max_bytes: int = 15 * 1024 * 1024
    max_pixels: int = 50_000_000
    min_side: int = 720
    analysis_side: int = 1280  # long side of the copy used for blur/glare/OCR
    face_side: int = 640  # long side of the copy used for face detection
    face_retry_side: int = 960  # second, finer look when no face was found at face_side
    ocr_side: int = 1024  # long side of the copy given to Tesseract
    blur_threshold: float = 0.6  # contrast-normalised, direction-aware sharpness, see blur_score
    glare_min_fraction: float = 0.01  # clipped share of a document's area
    ocr_min_words: int = 4  # confident flipped words needed to call an image mirrored
    ocr_enough_words: int = 8  # this many words as taken: orientation is fine, skip the flip
    tesseract_cmd: str | None = None  # default: "tesseract" on PATH
    tesseract_timeout: float = 10.0


@dataclass(slots=True)
class PrecheckResult:
    problems: list[str]
    width: int | None = None
    height: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def precheck_id_selfie(file: Any, *, config: PrecheckConfig | None = None) -> PrecheckResult:
    """Run every check on an upload (UploadedFile, file object or bytes). Never raises for
    bad content: unusable uploads come back as a fatal problem code."""
    config = config or PrecheckConfig()
    started = time.perf_counter()
    try:
        inspected = inspect_upload(
            file,
            allowed=IMAGE_KINDS,
            max_bytes=config.max_bytes,
            max_pixels=config.max_pixels,
            min_side=config.min_side,
        )
    except ApplicationError as exc:
        return PrecheckResult(problems=[_UPLOAD_ERROR_TO_PROBLEM.get(exc.code, "not_an_image")])
    try:
        rgb = _decode_reduced(inspected.data, config.analysis_side)
    except Exception:  # noqa: BLE001 - any decoder failure: the file is not a usable image
        return PrecheckResult(problems=["not_an_image"])
    result = analyse(rgb, config=config)
    result.width, result.height = inspected.width, inspected.height
    result.metrics["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def analyse(rgb: np.ndarray, *, config: PrecheckConfig | None = None) -> PrecheckResult:
    """Run blur/glare/face/mirror checks on an RGB array (any size; downscaled here)."""
    config = config or PrecheckConfig()
    rgb = _fit(rgb, config.analysis_side)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    problems: list[str] = []
    metrics: dict[str, Any] = {}

    sharpness = blur_score(gray)
    metrics["sharpness"] = round(sharpness, 3)
    blurry = sharpness < config.blur_threshold
    if blurry:
        problems.append("blurry")

    documents = document_regions(gray)
    metrics["documents"] = len(documents)
    glare_fraction = glare_score(rgb, documents)
    metrics["glare_fraction"] = round(glare_fraction, 4)
    if glare_fraction >= config.glare_min_fraction:
        problems.append("glare")

    faces = count_faces(_fit(gray, config.face_side))
    if faces == 0:
        # a customer further from the camera: look again at a larger copy for smaller faces
        faces = count_faces(_fit(gray, config.face_retry_side), min_fraction=0.04)
    metrics["faces"] = faces
    if faces == 0:
        problems.append("no_face")

    if not blurry:  # OCR on a blurry photo says nothing about mirroring
        mirrored, words, words_flipped = detect_mirrored(gray, config=config)
        metrics["ocr_words"] = words
        metrics["ocr_words_flipped"] = words_flipped
        if mirrored:
            problems.append("mirrored")
    return PrecheckResult(problems=problems, metrics=metrics)


# --------------------------------------------------------------------------- decoding


def _decode_reduced(data: bytes, side: int) -> np.ndarray:
    with Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"]) as image:
        if image.format == "JPEG":
            # libjpeg scales by 1/2, 1/4, 1/8 while decoding: far cheaper than a full decode.
            image.draft("RGB", (side, side))
        image.load()
        # Phones store portrait photos sideways and say so in EXIF (orientation 6/8/3):
        # turn the pixels upright first, as the reviewer's viewer and core.uploads do.
        upright = ImageOps.exif_transpose(image)
        rgb = upright.convert("RGB")
    return _fit(np.asarray(rgb), side)


def _fit(array: np.ndarray, side: int) -> np.ndarray:
    h, w = array.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return array
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(array, size, interpolation=cv2.INTER_AREA)


# --------------------------------------------------------------------------- checks


def blur_score(gray: np.ndarray, *, grid: int = 6, min_tile_variance: float = 64.0) -> float:
    """Sharpness: 90th percentile over tiles of min(var(d2I/dx2), var(d2I/dy2)) / var(I).

    Dividing by the tile's own intensity variance makes the score independent of contrast
    and lighting (a step edge blurred by sigma scores ~1/sigma^2 whatever its contrast);
    flat tiles (plain wall) are skipped and the percentile picks the sharpest detail
    (text, hair, edges), so a sharp photo with a lot of empty background still passes.
    Taking the weaker of the two directions catches motion blur (hand shake smears one
    direction only, which a plain Laplacian still scores as sharp).
    """
    intensity = gray.astype(np.float32)
    dxx = cv2.Sobel(intensity, cv2.CV_32F, 2, 0, ksize=3)
    dyy = cv2.Sobel(intensity, cv2.CV_32F, 0, 2, ksize=3)
    h, w = gray.shape
    values = []
    for i in range(grid):
        for j in range(grid):
            rows = slice(i * h // grid, (i + 1) * h // grid)
            cols = slice(j * w // grid, (j + 1) * w // grid)
            variance = float(intensity[rows, cols].var())
            if variance >= min_tile_variance:
                weaker = min(float(dxx[rows, cols].var()), float(dyy[rows, cols].var()))
                values.append(weaker / variance)
    return float(np.percentile(values, 90)) if values else 0.0


def document_regions(gray: np.ndarray) -> list[np.ndarray]:
    """Card- or passport-shaped regions with printed detail inside (convex hulls).

    A document is a convex outline whose minimum-area rectangle it fills (>= 90 %), with the
    proportions of an ID-1 card (1.586) or a passport page (1.42) seen at an angle
    (long/short 1.3-1.9), covering 1.5-60 % of the picture, and with text-like edges inside
    (a blank sheet of paper, a white mug or a lamp is not a document).
    """
    h, w = gray.shape
    smooth = cv2.GaussianBlur(gray, (5, 5), 0)
    edges = cv2.Canny(smooth, 30, 90)
    outlines = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(outlines, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    found: list[np.ndarray] = []
    for contour in contours:
        hull = cv2.convexHull(contour)
        area = cv2.contourArea(hull)
        if not 0.015 * h * w <= area <= 0.6 * h * w:
            continue
        (_cx, _cy), (rw, rh), _angle = cv2.minAreaRect(hull)
        if min(rw, rh) == 0:
            continue
        if not 1.3 <= max(rw, rh) / min(rw, rh) <= 1.9 or area / (rw * rh) < 0.9:
            continue
        mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(mask, [hull], 1)
        inner = cv2.erode(mask, np.ones((9, 9), np.uint8)).astype(bool)
        if inner.sum() == 0 or float((edges[inner] > 0).mean()) < 0.02:
            continue
        found.append(hull)
    return found


def glare_score(rgb: np.ndarray, documents: list[np.ndarray] | None = None) -> float:
    """Largest share of a document's area that is clipped (all channels >= 250).

    Glare matters only where it hides the document: clipped pixels are counted inside the
    regions found by ``document_regions``. A white sheet, mug, lamp or blown-out window
    elsewhere in the photo is ignored. When no document outline is found (glare can wash
    out a card's edge), a clipped blob counts only if it is surrounded by printed detail
    (text edges in a ring around it), never when it touches the frame.
    """
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if documents is None:
        documents = document_regions(gray)
    raw = (rgb.min(axis=2) >= 250).astype(np.uint8)
    clipped = cv2.morphologyEx(raw, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    h, w = clipped.shape
    best = 0.0
    for hull in documents:
        mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(mask, [hull], 1)
        area = int(mask.sum())
        if area:
            best = max(best, float((clipped & mask).sum()) / area)
    if documents:
        return best
    return _glare_without_outline(gray, clipped)


def _glare_without_outline(gray: np.ndarray, clipped: np.ndarray) -> float:
    h, w = clipped.shape
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 30, 90)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(clipped, connectivity=8)
    best = 0.0
    for i in range(1, count):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if x == 0 or y == 0 or x + bw >= w or y + bh >= h or area < 0.002 * h * w:
            continue
        blob = (labels == i).astype(np.uint8)
        reach = max(5, int(0.5 * max(bw, bh)))
        ring = cv2.dilate(blob, np.ones((reach, reach), np.uint8)).astype(bool) & ~cv2.dilate(
            blob, np.ones((5, 5), np.uint8)
        ).astype(bool)
        if ring.any() and float((edges[ring] > 0).mean()) >= 0.05:
            # share of the surrounding (document-sized) neighbourhood that is burnt out
            best = max(best, area / float(area + ring.sum()))
    return best


_HAAR_DIR: str = cv2.data.haarcascades  # type: ignore[attr-defined]
_CASCADE: cv2.CascadeClassifier | None = None


def _cascade() -> cv2.CascadeClassifier:
    global _CASCADE
    if _CASCADE is None:
        path = os.path.join(_HAAR_DIR, "haarcascade_frontalface_default.xml")
        cascade = cv2.CascadeClassifier(path)
        if cascade.empty():  # pragma: no cover - broken OpenCV install
            raise RuntimeError(f"Haar cascade not found at {path}")
        _CASCADE = cascade
    return _CASCADE


def count_faces(gray: np.ndarray, *, min_fraction: float = 0.06) -> int:
    short = min(gray.shape[:2])
    min_size = max(24, int(short * min_fraction))
    equalised = cv2.equalizeHist(gray)
    faces = _cascade().detectMultiScale(equalised, scaleFactor=1.1, minNeighbors=5, minSize=(min_size, min_size))
    return len(faces)


def detect_mirrored(gray: np.ndarray, *, config: PrecheckConfig) -> tuple[bool, int, int]:
    """(mirrored, confident words as taken, confident words flipped).

    The flipped pass only runs when the photo as taken shows little readable text.
    Returns (False, -1, -1) when Tesseract is not installed.
    """
    command = config.tesseract_cmd or shutil.which("tesseract")
    if not command:
        return False, -1, -1
    gray = _fit(gray, config.ocr_side)
    words = _ocr_confident_words(gray, command, config.tesseract_timeout)
    if words >= config.ocr_enough_words:
        return False, words, -1
    flipped = _ocr_confident_words(cv2.flip(gray, 1), command, config.tesseract_timeout)
    mirrored = flipped >= config.ocr_min_words and flipped >= 2 * max(words, 1)
    return mirrored, words, flipped


def _ocr_confident_words(gray: np.ndarray, command: str, timeout: float) -> int:
    ok, encoded = cv2.imencode(".png", gray, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:  # pragma: no cover
        return 0
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_THREAD_LIMIT": "1"}
    try:
        completed = subprocess.run(  # noqa: S603 - fixed argv, no shell, image on stdin
            [command, "stdin", "stdout", "--psm", "11", "-l", "eng", "-c", "tessedit_do_invert=0", "tsv"],
            input=encoded.tobytes(),
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return 0
    return count_confident_words(completed.stdout.decode("utf-8", "replace").splitlines())


def count_confident_words(tsv_lines: Iterable[str], *, min_conf: float = 70.0) -> int:
    count = 0
    for line in tsv_lines:
        parts = line.split("\t")
        if len(parts) < 12 or parts[0] == "level":
            continue
        try:
            conf = float(parts[10])
        except ValueError:
            continue
        text = parts[11].strip()
        alnum = sum(ch.isalnum() for ch in text)
        if conf >= min_conf and len(text) >= 3 and alnum >= 0.8 * len(text):
            count += 1
    return count
