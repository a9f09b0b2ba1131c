"""The TOTP verification engine (RFC 4226 / RFC 6238), free of Django and I/O.

Every code check in madoguchi — sign-in (HTML and headless), re-authentication,
per-action step-up and TOTP activation — ends up in :func:`match_step`, so the
RFC 6238 Appendix B vectors in the tests exercise the very path customers use.

``match_step`` looks for the step the code belongs to within ``search`` steps
either side of "now" and returns its offset (0 = current step, +1 = the next
step, ...).  The caller decides what an offset means: within the accepted window
(±1) the code is good; further out it is clock drift, which we diagnose but
refuse.  Candidates are compared in constant time and *all* of them are
computed, so the time taken does not reveal where (or whether) a code matched.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}
_COUNTER = struct.Struct(">Q")


class InvalidSecret(ValueError):
    """The stored secret is not valid base32."""


def decode_secret(secret: str) -> bytes:
    """Base32 secret (any case, optional spaces/padding) -> key bytes."""
    cleaned = "".join(secret.split()).upper().rstrip("=")
    cleaned += "=" * (-len(cleaned) % 8)
    try:
        return base64.b32decode(cleaned, casefold=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSecret("secret is not base32") from exc


def normalize_code(raw: str) -> str:
    """What the customer typed -> ASCII digits (or "" when it cannot be a code).

    Japanese keyboards often produce full-width digits (１２３４５６) and people
    paste codes with spaces or a dash in the middle ("123 456"); NFKC folds the
    former, and separators are dropped.  Anything else left over (letters,
    symbols) makes the input invalid rather than silently ignored.
    """
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(ch for ch in text if not ch.isspace() and ch not in "-‐‑–—ー・.")
    if not text.isascii() or not text.isdigit():
        return ""
    return text


def hotp(key: bytes, counter: int, *, digits: int = 6, algorithm: str = "sha1") -> str:
    """RFC 4226 HOTP value for ``counter`` as a zero-padded string."""
    return _hotp(hmac.new(key, digestmod=_ALGORITHMS[algorithm]), counter, digits)


def _hotp(keyed: hmac.HMAC, counter: int, digits: int) -> str:
    # ``keyed``: an HMAC with the key and no message; a copy per counter (the same bytes as
    # a new HMAC, without keying it again: a code check computes 41 of these).
    mac = keyed.copy()
    mac.update(_COUNTER.pack(counter))
    digest = mac.digest()
    offset = digest[-1] & 0x0F
    binary = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{binary % (10**digits):0{digits}d}"


def counter_at(unix_time: float, *, period: int = 30) -> int:
    """The RFC 6238 time step ``T`` for a Unix time (T0 = 0)."""
    return int(unix_time // period)


@dataclass(frozen=True, slots=True)
class StepMatch:
    offset: int  # matched step minus the current step (+ = the phone is ahead)
    counter: int  # the absolute step number, used to burn the code


def match_step(
    *,
    key: bytes,
    code: str,
    at: float,
    search: int,
    period: int = 30,
    digits: int = 6,
    algorithm: str = "sha1",
) -> StepMatch | None:
    """Find the step within ``±search`` of ``at`` whose code equals ``code``.

    ``code`` must already be normalised.  When two steps share a code (about
    one chance in 25 000 for ±20 steps and 6 digits) the one nearest to now wins,
    the past before the future, so a genuine current code is never mistaken for
    drift.
    """
    if len(code) != digits or not code.isdigit():
        return None
    now = counter_at(at, period=period)
    expected = code.encode("ascii")
    keyed = hmac.new(key, digestmod=_ALGORITHMS[algorithm])
    best: StepMatch | None = None
    # Nearest first: 0, -1, +1, -2, +2, ...  Every candidate is computed.
    for distance in range(search + 1):
        for offset in (-distance, distance) if distance else (0,):
            counter = now + offset
            if counter < 0:
                continue
            candidate = _hotp(keyed, counter, digits)
            if hmac.compare_digest(candidate.encode("ascii"), expected) and best is None:
                best = StepMatch(offset=offset, counter=counter)
    return best


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # within the window: good unless already used
    DRIFT = "drift"  # a real code, but the phone clock is off: refuse, burn, explain
    NO_MATCH = "no_match"  # wrong code (or far beyond the drift horizon)


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    match: StepMatch | None = None


def verify(
    *,
    secret: str,
    code: str,
    at: float,
    window: int = 1,
    drift_window: int = 20,
    period: int = 30,
    digits: int = 6,
    algorithm: str = "sha1",
) -> Verdict:
    """Classify a (normalised) code against a base32 secret at time ``at``."""
    match = match_step(
        key=decode_secret(secret),
        code=code,
        at=at,
        search=max(window, drift_window),
        period=period,
        digits=digits,
        algorithm=algorithm,
    )
    if match is None:
        return Verdict(Outcome.NO_MATCH)
    if abs(match.offset) <= window:
        return Verdict(Outcome.ACCEPTED, match)
    return Verdict(Outcome.DRIFT, match)


def drift_minutes(offset_steps: int, *, period: int = 30) -> int:
    """Rounded minutes for a step offset, never 0 (a drift hint always says ≥1)."""
    return max(1, round(abs(offset_steps) * period / 60))
