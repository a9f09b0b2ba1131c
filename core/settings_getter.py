"""allauth's settings, read once: its ``ALLAUTH_SETTING_GETTER`` seam.

allauth reads every one of its settings afresh on each use (``allauth.utils.get_setting``:
``getattr(settings, name, default)``), about 80 reads per sign-in. A setting the project
does not set (most of allauth's) is a miss in Django's settings object each time, which
raises and catches an AttributeError. Settings do not change while a process runs; where
they do (``override_settings`` and pytest's ``settings`` in tests), Django sends
``setting_changed`` and the values read so far are forgotten, as are the values derived from
settings with ``settings_memo``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

_UNSET = object()  # not read yet
_MISSING = object()  # read: not in the settings (allauth's default applies)
_values: dict[str, Any] = {}
_derived: dict[str, Any] = {}


def allauth_setting(name: str, default: Any) -> Any:
    value = _values.get(name, _UNSET)
    if value is _UNSET:
        value = _values[name] = getattr(settings, name, _MISSING)
    return default if value is _MISSING else value


def settings_memo[T](key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once until the settings change: for values derived from settings only
    (keep them immutable, e.g. a tuple); ``key`` names the value."""
    value = _derived.get(key, _UNSET)
    if value is _UNSET:
        value = _derived[key] = compute()
    return value  # type: ignore[no-any-return]


def _forget(**kwargs: Any) -> None:
    _values.clear()
    _derived.clear()


setting_changed.connect(_forget, dispatch_uid="madoguchi.allauth_settings")
