"""Readable device names for signed-in sessions: "Chrome on Windows", "Safari on iPhone".

Parsed with ua-parser (pinned in requirements.txt); parsing costs milliseconds, so results
are memoised per process and language (customers see the same few devices over and over).
"""

from __future__ import annotations

from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext as _

# ua-parser's family names shortened to what a customer recognises.
_BROWSERS = {
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "HeadlessChrome": "Chrome",
    "Samsung Internet": "Samsung Internet",
}
_SYSTEMS = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
# Phones and tablets are named by the device ("Safari on iPhone"), computers by the system.
_NAMED_DEVICES = ("iPhone", "iPad", "iPod")


def device_name(user_agent: str) -> str:
    return _device_name(user_agent[:500], translation.get_language() or "")


@lru_cache(maxsize=2048)
def _device_name(user_agent: str, _language: str) -> str:
    if not user_agent:
        return _("Unknown device")
    from ua_parser import parse

    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else ""
    browser = _BROWSERS.get(browser, browser) if browser != "Other" else ""
    system = result.os.family if result.os else ""
    system = _SYSTEMS.get(system, system) if system != "Other" else ""
    device = result.device.family if result.device else ""
    where = device if device in _NAMED_DEVICES else system
    if not where and device and device != "Other":
        where = device
    if browser and where:
        # Translators: a signed-in device, e.g. "Chrome on Windows" (ja: "Windows の Chrome").
        return _("%(browser)s on %(device)s") % {"browser": browser, "device": where}
    if browser or where:
        return browser or where
    # An app or a tool the parser does not know: its own name, shortened.
    return user_agent.split(" ", 1)[0].split("/", 1)[0][:40] or _("Unknown device")
