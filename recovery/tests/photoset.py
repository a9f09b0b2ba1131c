# ruff: noqa: E501
"""The frozen evaluation set for the ID-selfie pre-check (written before tuning; do not edit).

Each case is a recipe (deterministic: same bytes on every run with the pinned Pillow/NumPy)
plus the labels a human reviewer would give it: the subset of problems among ``blurry``,
``glare``, ``no_face``, ``mirrored`` (and the fatal ``too_small``) that the photo really
has. ``benchmarks/idcheck.py --eval`` scores the checks against these labels and prints
precision and recall per problem (docs/recovery.md has the table).

Sources of real pixels (all in ``tests/data``, licences in its README): the public-domain
NASA portrait (the only real face), and two CC0 scikit-image photos without a human face
(a cat, a cup of coffee). Cards, passport pages, notes, lamps, paper, lighting, blur, glare,
rotation and mirroring are drawn or simulated here.

Rules for the set: the labels describe the photo, not what the checks currently say; a
case is never relabelled or removed to make a number better. New cases go at the end.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from recovery.tests import imagegen

DATA = Path(__file__).parent / "data"
PROBLEMS = ("blurry", "glare", "no_face", "mirrored", "too_small")


@dataclass(frozen=True)
class Case:
    name: str
    labels: frozenset[str]
    recipe: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def _c(name: str, labels: str, note: str = "", **recipe: Any) -> Case:
    return Case(name, frozenset(x for x in labels.split(",") if x), recipe, note)


# fmt: off
CASES: tuple[Case, ...] = (
    # --- good photos (no problem) -------------------------------------------------------
    _c("good_licence", "", "driving licence, upright, even light"),
    _c("good_mynumber", "", "My Number card layout", card="mynumber", seed=2),
    _c("good_residence", "", "residence card layout", card="residence", seed=3),
    _c("good_passport", "", "passport photo page, larger document", card="passport", seed=4),
    _c("good_small_face", "", "customer further from the camera", face_scale=0.42, seed=5),
    _c("good_face_right", "", "face on the right, card on the left", layout="swap", seed=6),
    _c("good_dim", "", "dim room (gain 0.55)", gain=0.55, seed=7),
    _c("good_warm", "", "warm tungsten colour cast", cast=(1.12, 1.0, 0.78), seed=8),
    _c("good_gray", "", "greyscale camera mode", gray=True, seed=9),
    _c("good_noisy", "", "high-ISO sensor noise", noise=9.0, seed=10),
    _c("good_soft", "", "slightly soft focus (sigma 0.8), still readable", blur=0.8, seed=11),
    _c("good_tilt_cw", "", "phone tilted 7 degrees", tilt=-7, seed=12),
    _c("good_tilt_ccw", "", "phone tilted -7 degrees", tilt=7, seed=13),
    _c("good_exif6", "", "portrait photo stored sideways, EXIF orientation 6", exif=6, size=(1200, 1600), seed=14),
    _c("good_exif8", "", "stored sideways the other way, EXIF orientation 8", exif=8, size=(1200, 1600), seed=15),
    _c("good_exif3", "", "stored upside down, EXIF orientation 3", exif=3, seed=16),
    _c("good_white_paper", "", "white sheet of paper on the wall behind (clipped)", white_paper=True, seed=17),
    _c("good_lamp", "", "ceiling lamp in the frame (clipped disc)", lamp=True, seed=18),
    _c("good_white_mug", "", "white mug held up, clipped", white_mug=True, seed=19),
    _c("good_window_edge", "", "blown-out window touching the frame", window=True, seed=20),
    _c("good_png", "", "PNG from a screenshot tool", fmt="PNG", seed=21),
    _c("good_webp", "", "WebP from a phone gallery", fmt="WEBP", seed=22),
    _c("good_no_note_text", "", "note held but short (pre-check does not read notes)", note_lines=("2FA",), seed=23),
    # --- blurry --------------------------------------------------------------------------
    _c("blur_2", "blurry", "out of focus, sigma 2", blur=2.0, seed=24),
    _c("blur_4", "blurry", "very out of focus, sigma 4", blur=4.0, seed=25),
    _c("blur_motion", "blurry", "hand shake: horizontal motion blur 15 px", motion=15, seed=26),
    _c("blur_dim", "blurry", "dim and out of focus", blur=2.5, gain=0.6, seed=27),
    _c("blur_exif6", "blurry", "out of focus and stored sideways (EXIF 6)", blur=2.5, exif=6, size=(1200, 1600), seed=28),
    # --- glare ---------------------------------------------------------------------------
    _c("glare_licence", "glare", "lamp reflection across the licence text", glare=True, seed=29),
    _c("glare_mynumber", "glare", "reflection on the My Number card", glare=True, card="mynumber", seed=30),
    _c("glare_passport", "glare", "reflection on the passport page", glare=True, card="passport", seed=31),
    _c("glare_small", "glare", "smaller reflection off-centre on the card", glare=True, glare_at=(0.7, 0.35), glare_size=0.6, seed=32),
    _c("glare_and_lamp", "glare", "glare on the card and a lamp in the frame", glare=True, lamp=True, seed=33),
    _c("glare_exif6", "glare", "glare, stored sideways (EXIF 6)", glare=True, exif=6, size=(1200, 1600), seed=34),
    # --- no face -------------------------------------------------------------------------
    _c("noface_card_only", "no_face", "only the card and the note", face=False, seed=35),
    _c("noface_cat", "no_face", "a cat instead of the customer", face="chelsea", seed=36),
    _c("noface_coffee", "no_face", "a cup of coffee instead of a face", face="coffee", seed=37),
    _c("noface_covered", "no_face", "face covered by a hand-sized block", cover_face=True, seed=38),
    _c("noface_white_paper", "no_face", "no face, white paper behind", face=False, white_paper=True, seed=39),
    # --- mirrored ------------------------------------------------------------------------
    _c("mirror_licence", "mirrored", "front camera mirror image", mirrored=True, seed=40),
    _c("mirror_passport", "mirrored", "mirrored passport page", mirrored=True, card="passport", seed=41),
    _c("mirror_exif6", "mirrored", "mirrored and stored sideways (EXIF 6)", mirrored=True, exif=6, size=(1200, 1600), seed=42),
    # --- combinations and fatal ----------------------------------------------------------
    _c("glare_blur", "glare,blurry", "glare and out of focus", glare=True, blur=2.0, seed=43),
    _c("noface_blur", "no_face,blurry", "no face and out of focus", face=False, blur=3.0, seed=44),
    _c("too_small", "too_small", "640x480 thumbnail", size=(640, 480), seed=45),
)
# fmt: on


# ------------------------------------------------------------------------------ rendering

CARD_STYLES: dict[str, dict[str, Any]] = {
    "licence": {"colour": (226, 232, 222), "aspect": 0.63, "lines": imagegen.CARD_LINES},
    "mynumber": {
        "colour": (236, 222, 226),
        "aspect": 0.63,
        "lines": ("INDIVIDUAL NUMBER CARD", "NAME  YAMADA HANAKO", "BORN  1990 04 01", "SEX  F", "VALID  2035 04 01"),
    },
    "residence": {
        "colour": (222, 230, 240),
        "aspect": 0.63,
        "lines": (
            "RESIDENCE CARD",
            "NAME  SMITH JANE",
            "NATIONALITY  CANADA",
            "STATUS  ENGINEER",
            "PERIOD  2029 03 31",
        ),
    },
    "passport": {
        "colour": (232, 228, 214),
        "aspect": 0.70,
        "width": 0.50,
        "lines": (
            "PASSPORT  JAPAN",
            "TYPE P  CODE JPN",
            "SURNAME  YAMADA",
            "GIVEN  HANAKO",
            "BIRTH  01 APR 1990",
            "EXPIRY  01 MAY 2031",
            "P<JPNYAMADA<<HANAKO<<<<<<<",
        ),
    },
}


def _card(style: str, width: int) -> Image.Image:
    spec = CARD_STYLES[style]
    height = int(width * spec["aspect"])
    card = Image.new("RGB", (width, height), spec["colour"])
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(60, 80, 90), width=max(2, width // 150))
    photo_w = width // 4
    draw.rectangle(
        (width - photo_w - width // 20, height // 5, width - width // 20, height * 4 // 5), fill=(170, 160, 150)
    )
    lines = spec["lines"]
    font = imagegen._font(max(10, height // (len(lines) + 5)))
    line_h = height // len(lines)
    for i, line in enumerate(lines):
        draw.text((width // 25, i * line_h + line_h // 6), line, fill=(20, 20, 20), font=font)
    return card


def _note(width: int, height: int, lines: tuple[str, ...]) -> Image.Image:
    note = Image.new("RGB", (width, height), (236, 236, 228))
    draw = ImageDraw.Draw(note)
    font = imagegen._font(max(10, height // 5))
    line_h = height // max(3, len(lines))
    for i, line in enumerate(lines):
        draw.text((width // 15, i * line_h + line_h // 8), line, fill=(25, 35, 110), font=font)
    return note.rotate(4, expand=False, fillcolor=(236, 236, 228))


def _face(kind: Any, size: int) -> Image.Image:
    name = {True: "astronaut", "chelsea": "chelsea", "coffee": "coffee"}[kind]
    source = Image.open(DATA / f"{name}.jpg").convert("RGB")
    w, h = source.size
    side = min(w, h)
    source = source.crop(((w - side) // 2, (h - side) // 2, (w + side) // 2, (h + side) // 2))
    return source.resize((size, size), Image.Resampling.LANCZOS)


def _glare(image: Image.Image, box: tuple[int, int, int, int], at: tuple[float, float], size: float) -> Image.Image:
    arr = np.asarray(image).astype(np.float32)
    h, w = arr.shape[:2]
    x0, y0, x1, y1 = box
    cx, cy = x0 + (x1 - x0) * at[0], y0 + (y1 - y0) * at[1]
    rx, ry = (x1 - x0) * 0.2 * size, (y1 - y0) * 0.22 * size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
    strength = np.clip(1.6 - 0.6 * d, 0, 1)[..., None]
    arr = arr * (1 - strength) + 255 * strength
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def render(case: Case) -> Image.Image:
    """The upright scene as the customer sees it (before EXIF storage or encoding)."""
    r = case.recipe
    width, height = r.get("size", (1600, 1200))
    seed = r.get("seed", 1)
    image = imagegen._background(width, height, seed)
    draw = ImageDraw.Draw(image)
    short = min(width, height)
    if r.get("window"):
        draw.rectangle((0, 0, width // 5, height // 2), fill=(255, 255, 255))
    if r.get("lamp"):
        lx = width // 2 if r.get("layout") != "swap" else width // 3
        draw.ellipse(
            (lx - short // 30, height // 40, lx + short // 30, height // 40 + short // 15), fill=(255, 255, 255)
        )
    if r.get("white_paper"):
        px, py = int(width * 0.58), int(height * 0.33)
        draw.rectangle((px, py, px + short // 6, py + short // 5), fill=(255, 255, 255))
    swap = r.get("layout") == "swap"
    face_kind = r.get("face", True)
    face_size = int(short * 0.62 * r.get("face_scale", 1.0))
    face_x = width - face_size - width // 20 if swap else width // 20
    face_y = height // 12
    if face_kind:
        image.paste(_face(face_kind, face_size), (face_x, face_y))
    if r.get("cover_face"):
        draw.rectangle(
            (
                face_x + face_size // 8,
                face_y + face_size // 6,
                face_x + face_size * 7 // 8,
                face_y + face_size * 5 // 6,
            ),
            fill=(205, 170, 150),
        )
    if r.get("white_mug"):
        mx, my = face_x + face_size // 2, face_y + face_size + short // 40
        draw.rounded_rectangle((mx, my, mx + short // 10, my + short // 8), radius=short // 60, fill=(255, 255, 255))
    style = r.get("card", "licence")
    card_w = int(width * CARD_STYLES[style].get("width", 0.42))
    card = _card(style, card_w)
    card_x = width // 25 if swap else width - card_w - width // 25
    card_y = height - card.size[1] - height // 12
    image.paste(card, (card_x, card_y))
    note_w, note_h = int(width * 0.30), int(height * 0.22)
    note_x = width // 20 if swap else width - note_w - width // 20
    image.paste(_note(note_w, note_h, r.get("note_lines", imagegen.NOTE_LINES)), (note_x, height // 14))
    if r.get("glare"):
        box = (card_x, card_y, card_x + card_w, card_y + card.size[1])
        image = _glare(image, box, r.get("glare_at", (0.45, 0.45)), r.get("glare_size", 1.0))
    arr = np.asarray(image).astype(np.float32)
    if "cast" in r:
        arr = arr * np.array(r["cast"], dtype=np.float32)
    if "gain" in r:
        arr = arr * r["gain"]
    if "noise" in r:
        arr = arr + np.random.default_rng(seed).normal(0, r["noise"], arr.shape)  # type: ignore[assignment]
    image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    if r.get("gray"):
        image = image.convert("L").convert("RGB")
    if "tilt" in r:
        image = image.rotate(r["tilt"], resample=Image.Resampling.BICUBIC, fillcolor=(130, 125, 115))
    if r.get("blur"):
        image = image.filter(ImageFilter.GaussianBlur(r["blur"] * short / 1200))
    if r.get("motion"):
        k = int(r["motion"])
        arr = np.asarray(image).astype(np.float32)
        out = np.zeros_like(arr)
        for dx in range(k):
            out += np.roll(arr, dx - k // 2, axis=1)
        image = Image.fromarray(np.clip(out / k, 0, 255).astype(np.uint8), "RGB")
    if r.get("mirrored"):
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return image


# Stored pixels for an EXIF orientation: what the camera wrote before the viewer rotates it.
_STORE_FOR_EXIF = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def photo_bytes(case: Case) -> bytes:
    image = render(case)
    fmt = case.recipe.get("fmt", "JPEG")
    orientation = case.recipe.get("exif")
    out = io.BytesIO()
    params: dict[str, Any] = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
    if orientation:
        image = image.transpose(_STORE_FOR_EXIF[orientation])
        exif = Image.Exif()
        exif[0x0112] = orientation
        params["exif"] = exif.tobytes()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def case_by_name(name: str) -> Case:
    return next(c for c in CASES if c.name == name)
