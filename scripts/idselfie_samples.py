"""Draw the sample ID-selfie pictures shown on the identity-verification page.

    .venv/bin/python scripts/idselfie_samples.py

Writes recovery/static/recovery/samples/*.webp: one good example and five common mistakes.
Everything is drawn with Pillow (a cartoon person, a card, a note): no real face or real
document is used, so the pictures can be shown and redistributed freely.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

OUT = Path(__file__).resolve().parent.parent / "recovery" / "static" / "recovery" / "samples"
W, H = 360, 270


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _scene(*, face: bool = True, fingers: bool = False) -> Image.Image:
    image = Image.new("RGB", (W, H), (214, 206, 190))
    d = ImageDraw.Draw(image)
    d.rectangle((0, H * 3 // 4, W, H), fill=(190, 180, 162))  # desk line
    # body and head
    d.rounded_rectangle((55, 150, 185, 290), radius=40, fill=(70, 110, 160))
    if face:
        d.ellipse((75, 45, 165, 150), fill=(240, 204, 172))
        d.pieslice((70, 35, 170, 125), 180, 360, fill=(60, 45, 35))  # hair
        d.ellipse((98, 88, 108, 98), fill=(40, 30, 30))
        d.ellipse((132, 88, 142, 98), fill=(40, 30, 30))
        d.arc((103, 105, 137, 130), 20, 160, fill=(150, 60, 60), width=3)
    else:
        d.ellipse((75, 45, 165, 150), fill=(60, 45, 35))  # back of the head / turned away
    # the card held beside the face
    d.rounded_rectangle((190, 120, 330, 208), radius=8, fill=(226, 232, 222), outline=(60, 90, 60), width=2)
    d.rectangle((290, 135, 320, 180), fill=(170, 160, 150))
    for i, line in enumerate(("LICENSE", "YAMADA HANAKO", "1990 04 01", "TOKYO")):
        d.text((198, 130 + i * 17), line, fill=(20, 20, 20), font=_font(12))
    # the handwritten note
    d.rectangle((200, 20, 340, 95), fill=(245, 245, 236))
    for i, line in enumerate(("2FA reset", "Hanako Yamada", "2026-12-02")):
        d.text((208, 26 + i * 22), line, fill=(25, 35, 110), font=_font(15))
    # hand holding the card
    d.ellipse((176, 196, 206, 226), fill=(240, 204, 172))
    if fingers:
        for k in range(3):
            d.rounded_rectangle((205 + k * 16, 138, 219 + k * 16, 200), radius=7, fill=(236, 198, 166))
    return image


def _glare(image: Image.Image) -> Image.Image:
    arr = np.asarray(image).astype(np.float32)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    dist = ((xx - 250) / 45) ** 2 + ((yy - 160) / 28) ** 2
    strength = np.clip(1.5 - 0.5 * dist, 0, 1)[..., None]
    return Image.fromarray(np.clip(arr * (1 - strength) + 255 * strength, 0, 255).astype(np.uint8))


def _mark(image: Image.Image, good: bool) -> Image.Image:
    d = ImageDraw.Draw(image)
    colour = (20, 130, 60) if good else (190, 30, 30)
    d.ellipse((8, 8, 52, 52), fill=colour)
    if good:
        d.line((19, 31, 28, 41, 43, 19), fill="white", width=6)
    else:
        d.line((20, 20, 40, 40), fill="white", width=6)
        d.line((40, 20, 20, 40), fill="white", width=6)
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    samples = {
        "good": _mark(_scene(), True),
        "glare": _mark(_glare(_scene()), False),
        "blurry": _mark(_scene().filter(ImageFilter.GaussianBlur(4)), False),
        "mirrored": _mark(_scene().transpose(Image.Transpose.FLIP_LEFT_RIGHT), False),
        "fingers": _mark(_scene(fingers=True), False),
        "no_face": _mark(_scene(face=False), False),
    }
    for name, image in samples.items():
        image.save(OUT / f"{name}.webp", "WEBP", quality=80, method=6)
        print(OUT / f"{name}.webp", (OUT / f"{name}.webp").stat().st_size, "bytes")


if __name__ == "__main__":
    main()
