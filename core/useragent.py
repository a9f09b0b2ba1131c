"""Readable device and browser names from a User-Agent string (ua-parser, pinned): the staff
console, the new-device email and the sessions page use this one parser.

Parsing a string costs milliseconds with the bundled regexes, so results are memoised per
process (agents see the same few devices over and over)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Device:
    browser: str  # "Chrome 131", "Mobile Safari 17.1"
    os: str  # "Windows 10", "iOS 17.1"
    device: str  # "iPhone", "" for a desktop ("Other" from the parser)

    @property
    def label(self) -> str:
        return " · ".join(part for part in (self.browser, self.os, self.device) if part)


def _version(family: str, major: str | None, minor: str | None) -> str:
    if not family or family == "Other":
        return ""
    if major and minor and minor != "0":
        return f"{family} {major}.{minor}"
    return f"{family} {major}" if major else family


@lru_cache(maxsize=2048)
def describe(user_agent: str) -> Device:
    if not user_agent:
        return Device("", "", "")
    from ua_parser import parse

    result = parse(user_agent[:500])
    browser = (
        _version(result.user_agent.family, result.user_agent.major, result.user_agent.minor)
        if result.user_agent
        else ""
    )
    os_name = _version(result.os.family, result.os.major, result.os.minor) if result.os else ""
    device = ""
    if result.device and result.device.family not in ("Other", "Mac", "") and result.device.family != os_name:
        device = result.device.family
    return Device(browser, os_name, device)
