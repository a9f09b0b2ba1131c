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
