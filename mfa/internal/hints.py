"""Customer-facing explanations for refused codes (ja/en via gettext)."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop, ngettext

from .totp import drift_minutes

CLOCK_HELP_IOS = gettext_noop("iPhone: Settings > General > Date & Time > turn on “Set Automatically”.")
CLOCK_HELP_ANDROID = gettext_noop("Android: Settings > System > Date & time > turn on “Set time automatically”.")
CLOCK_HELP_GOOGLE = gettext_noop(
    "Google Authenticator (Android): menu > Settings > Time correction for codes > Sync now."
)


def clock_instructions() -> str:
    return " ".join([gettext(CLOCK_HELP_IOS), gettext(CLOCK_HELP_ANDROID), gettext(CLOCK_HELP_GOOGLE)])


def drift_message(offset_steps: int, *, period: int = 30) -> str:
    """ "That code is from about N minutes ahead ..." with how to fix the phone clock.

    ``offset_steps`` > 0: the phone produced a code from the future, its clock is fast.
    """
    minutes = drift_minutes(offset_steps, period=period)
    if offset_steps > 0:
        head = ngettext(
            "That code belongs to about %(n)d minute ahead of the correct time: your phone's "
            "clock seems to be about %(n)d minute fast.",
            "That code belongs to about %(n)d minutes ahead of the correct time: your phone's "
            "clock seems to be about %(n)d minutes fast.",
            minutes,
        ) % {"n": minutes}
    else:
        head = ngettext(
            "That code belongs to about %(n)d minute behind the correct time: your phone's "
            "clock seems to be about %(n)d minute slow.",
            "That code belongs to about %(n)d minutes behind the correct time: your phone's "
            "clock seems to be about %(n)d minutes slow.",
            minutes,
        ) % {"n": minutes}
    tail = gettext("For your safety this code cannot be used. Turn on automatic time, then enter a new code.")
    return f"{head} {tail} {clock_instructions()}"
