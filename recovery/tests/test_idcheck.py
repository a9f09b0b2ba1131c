"""ID-selfie pre-check on synthetic photos (see imagegen.py for what is real and what is drawn).

Detection here is tested on generated images: a real face (public-domain NASA portrait),
rendered card text, simulated blur and glare. Thresholds were calibrated on these images;
the tests pin both directions (a clean photo passes, each fault is flagged) so a change to a
threshold that breaks either shows up.
"""

from __future__ import annotations

import shutil

import pytest

from recovery.idcheck import (
    PrecheckConfig,
    count_confident_words,
    precheck_id_selfie,
)
from recovery.tests import imagegen
from recovery.tests.hostile import hostile_files

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="Debian tesseract-ocr is not installed")


@pytest.fixture(scope="module")
def clean_photo() -> bytes:
    return imagegen.id_selfie_bytes(1600, 1200)


def test_clean_photo_has_no_problems(clean_photo):
    # given a sharp, upright photo with a face, a card and a note
    # when pre-checked
    result = precheck_id_selfie(clean_photo)
    # then nothing is flagged, and the measurements explain why
    assert result.problems == [], result.metrics
    assert result.ok
    assert result.metrics["faces"] >= 1
    assert result.metrics["sharpness"] > PrecheckConfig().blur_threshold
    assert (result.width, result.height) == (1600, 1200)


@pytest.mark.parametrize("blur", [2.0, 4.0])
def test_blurry_photo_is_flagged(blur):
    result = precheck_id_selfie(imagegen.id_selfie_bytes(1600, 1200, blur=blur))
    assert "blurry" in result.problems, result.metrics


def test_slight_softness_is_not_called_blurry():
    # sigma ~1 px at this size: text still reads fine; the customer must not be nagged
    result = precheck_id_selfie(imagegen.id_selfie_bytes(1600, 1200, blur=0.8))
    assert "blurry" not in result.problems, result.metrics


def test_blur_score_does_not_depend_on_contrast():
    import numpy as np

    from recovery.idcheck import blur_score

    gray = np.asarray(imagegen.compose(1600, 1200).convert("L"))
    low_contrast = (128 + (gray.astype("float32") - 128) * 0.35).astype("uint8")
    high, low = blur_score(gray), blur_score(low_contrast)
    assert abs(high - low) / high < 0.2


def test_glare_over_the_card_is_flagged():
    result = precheck_id_selfie(imagegen.id_selfie_bytes(1600, 1200, glare=True))
    assert "glare" in result.problems, result.metrics
    assert "blurry" not in result.problems


def test_photo_without_a_face_is_flagged():
    result = precheck_id_selfie(imagegen.id_selfie_bytes(1600, 1200, face=False))
    assert result.problems == ["no_face"], result.metrics


@needs_tesseract
def test_mirrored_photo_is_flagged():
    # given the selfie camera's mirror image (text reads right-to-left)
    result = precheck_id_selfie(imagegen.id_selfie_bytes(1600, 1200, mirrored=True))
    # then the flipped OCR pass reads far more words than the image as taken
    assert result.problems == ["mirrored"], result.metrics
    assert result.metrics["ocr_words_flipped"] > 2 * max(result.metrics["ocr_words"], 1)


@needs_tesseract
def test_upright_photo_runs_a_single_ocr_pass(clean_photo):
    result = precheck_id_selfie(clean_photo)
    assert result.metrics["ocr_words"] >= PrecheckConfig().ocr_enough_words
    assert result.metrics["ocr_words_flipped"] == -1  # the flipped pass was skipped


def test_missing_tesseract_skips_only_the_mirror_check():
    config = PrecheckConfig(tesseract_cmd="/nonexistent/tesseract")
    result = precheck_id_selfie(imagegen.id_selfie_bytes(1600, 1200, mirrored=True), config=config)
    assert "mirrored" not in result.problems
    assert result.metrics["ocr_words"] == 0


def test_twelve_megapixel_photo_is_analysed_downscaled():
    data = imagegen.id_selfie_bytes(4000, 3000, glare=True)
    result = precheck_id_selfie(data)
    assert (result.width, result.height) == (4000, 3000)
    assert "glare" in result.problems, result.metrics


@pytest.mark.parametrize(
    "code,data",
    [
        ("too_small", imagegen.id_selfie_bytes(640, 480)),
        ("not_an_image", b"GIF89a not really"),
        ("not_an_image", b""),
        ("too_large", b"\xff\xd8\xff" + b"\x00" * (16 * 1024 * 1024)),
    ],
)
def test_unusable_upload_gets_a_single_fatal_problem(code, data):
    result = precheck_id_selfie(data)
    assert result.problems == [code]


@pytest.mark.parametrize("hostile", hostile_files(), ids=lambda h: h.name)
def test_every_hostile_file_maps_to_a_fatal_problem(hostile):
    result = precheck_id_selfie(hostile.content)
    assert len(result.problems) == 1
    assert result.problems[0] in {"not_an_image", "too_large", "too_small"}


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_photos_are_checked_too(fmt):
    data = imagegen.encode(imagegen.compose(1600, 1200, face=False), fmt)
    assert precheck_id_selfie(data).problems == ["no_face"]


def test_tsv_parsing_counts_only_confident_alphanumeric_words():
    lines = [
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
        "5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t95.1\tLICENSE",
        "5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t40.0\tJAPAN",  # not confident
        "5\t1\t1\t1\t1\t3\t0\t0\t10\t10\t96.0\tab",  # too short
        "5\t1\t1\t1\t1\t4\t0\t0\t10\t10\t91.0\t|-|--",  # punctuation
        "5\t1\t1\t1\t1\t5\t0\t0\t10\t10\t90.0\t123456789012",
    ]
    assert count_confident_words(lines) == 2


# --------------------------------------------------------------------------- frozen evaluation set

from recovery.tests import photoset  # noqa: E402


@pytest.mark.parametrize("name", ["good_exif6", "good_exif8", "good_exif3"])
def test_portrait_stored_sideways_with_exif_orientation_is_checked_upright(name):
    # given a normal portrait the phone stored sideways with EXIF orientation 6 (or 8, 3)
    data = photoset.photo_bytes(photoset.case_by_name(name))
    # when pre-checked
    result = precheck_id_selfie(data)
    # then the face is found (before: a false no_face, the cascade only sees upright faces)
    assert result.problems == [], result.metrics
    assert result.metrics["faces"] >= 1


@pytest.mark.parametrize("name", ["good_white_paper", "good_white_mug", "good_lamp"])
def test_bright_white_object_away_from_the_document_is_not_glare(name):
    # given a good photo with a clipped white sheet / mug / lamp somewhere in the frame
    result = precheck_id_selfie(photoset.photo_bytes(photoset.case_by_name(name)))
    # then no glare is reported: glare only counts over the document (before: flagged)
    assert "glare" not in result.problems, result.metrics
    assert result.metrics["documents"] >= 1


def test_glare_over_the_document_is_still_flagged_next_to_a_lamp():
    result = precheck_id_selfie(photoset.photo_bytes(photoset.case_by_name("glare_and_lamp")))
    assert result.problems == ["glare"], result.metrics


def test_motion_blur_from_hand_shake_is_blurry():
    result = precheck_id_selfie(photoset.photo_bytes(photoset.case_by_name("blur_motion")))
    assert "blurry" in result.problems, result.metrics


def test_frozen_labels_match_the_recipes():
    import json

    frozen = json.loads((photoset.DATA / "idset_labels.json").read_text())["cases"]
    assert [(r["name"], r["labels"]) for r in frozen] == [(c.name, sorted(c.labels)) for c in photoset.CASES]
    assert len(photoset.CASES) >= 30


def test_benchmark_evaluation_smoke():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "idcheck.py"
    spec = importlib.util.spec_from_file_location("bench_idcheck", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scores = module.evaluate(limit=3, verbose=False)
    assert set(scores) == {"blurry", "glare", "no_face", "mirrored", "too_small"}
    assert scores["no_face"]["fp"] == 0


def test_glare_without_a_document_outline_needs_printed_detail_around_it():
    import numpy as np

    from recovery.idcheck import glare_score

    rng = np.random.default_rng(3)
    # printed detail (random dark strokes on a light page) with a clipped patch inside it,
    # and no card outline anywhere: the fallback still calls it glare
    page = np.full((600, 800, 3), 200, np.uint8)
    for _ in range(1500):
        x, y = int(rng.integers(0, 780)), int(rng.integers(0, 590))
        page[y : y + 3, x : x + 18] = 30
    page[250:330, 350:470] = 255
    assert glare_score(page, documents=[]) > 0.01
    # the same clipped patch on a plain wall is not glare
    wall = np.full((600, 800, 3), 140, np.uint8)
    wall[250:330, 350:470] = 255
    assert glare_score(wall, documents=[]) == 0.0
