"""Diagnostic settings for benchmarks/pages.py --no-activity-tracking: the project's settings
with allauth's per-request session-activity write turned off, to show what that write
costs on every signed-in page. Never used outside the benchmark."""

from config.settings import *  # noqa: F403

USERSESSIONS_TRACK_ACTIVITY = False
