"""Shared cache keys of the help centre: services write (invalidate) them, selectors read
them."""

from __future__ import annotations

ANNOUNCEMENTS_CACHE_KEY = "helpcenter:announcements:v1"
