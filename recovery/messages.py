"""Customer-facing texts for stable codes (pre-check problems, rejection reasons)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PRECHECK_MESSAGES = {
    "not_an_image": _("This file is not a photo we can read. Please send a JPEG, PNG or WebP photo."),
    "too_large": _("The photo is too large. Please send a photo under 15 MB and 50 megapixels."),
    "too_small": _("The photo is too small to read the document. Please take it at full camera resolution."),
    "blurry": _("The photo looks blurry. Hold the phone steady, tap the document to focus, and take it again."),
    "glare": _(
        "Light reflects off the document (glare). Tilt the card or move away from the lamp so every "
        "character can be read."
    ),
    "no_face": _("We could not find your face. Face the camera, uncovered, with your whole face in the picture."),
    "mirrored": _(
        "The photo seems mirrored (the text reads backwards). Turn off 'mirror front camera' in the camera "
        "settings or ask someone to take the photo."
    ),
}

REJECTION_REASONS = {
    "mirrored": _("The image is mirrored."),
    "glare": _("Glare makes text on the document unreadable."),
    "fingers_cover": _("Fingers cover text or the seal on the document."),
    "blurry": _("The photo is blurry."),
    "printed_copy": _("A printed copy or a screen was photographed instead of the original document."),
    "note_missing_or_wrong": _(
        "The handwritten note is missing or wrong (it must say the request, your name and today's date)."
    ),
    "face_not_visible": _("Your face is not fully visible."),
    "details_mismatch": _("The details you entered do not match our records."),
}

# Short names of the pre-check problems for staff lists (the customer sees PRECHECK_MESSAGES).
PRECHECK_LABELS = {
    "not_an_image": _("Not a photo"),
    "too_large": _("Too large"),
    "too_small": _("Too small"),
    "blurry": _("Blurry"),
    "glare": _("Glare on the document"),
    "no_face": _("No face found"),
    "mirrored": _("Mirrored"),
}
