"""The TOTP engine: RFC 6238 Appendix B vectors, window and drift classification."""

from __future__ import annotations

import base64

import pytest

from mfa.internal import totp

# RFC 6238 Appendix B: SHA-1 seed "12345678901234567890", T0 = 0, X = 30.
RFC6238_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC6238_SHA1 = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("unix_time", "code"), RFC6238_SHA1)
def test_rfc6238_sha1_eight_digit_vectors_are_accepted_at_offset_zero(unix_time, code):
    # given the RFC secret, when verifying the published 8-digit code at its time
    verdict = totp.verify(secret=RFC6238_SECRET, code=code, at=unix_time, digits=8)
    # then it is accepted in the current step
    assert verdict.outcome is totp.Outcome.ACCEPTED
    assert verdict.match is not None
    assert verdict.match.offset == 0
    assert verdict.match.counter == unix_time // 30


@pytest.mark.parametrize(("unix_time", "code"), RFC6238_SHA1)
def test_rfc6238_sha1_six_digit_truncation_is_accepted(unix_time, code):
    # given the same values truncated to 6 digits (what Google Authenticator shows)
    six = code[-6:]
    # when / then
    verdict = totp.verify(secret=RFC6238_SECRET, code=six, at=unix_time)
    assert verdict.outcome is totp.Outcome.ACCEPTED
    assert verdict.match is not None and verdict.match.offset == 0


@pytest.mark.parametrize(("unix_time", "code"), RFC6238_SHA1)
def test_rfc6238_vector_with_one_digit_changed_is_refused(unix_time, code):
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    verdict = totp.verify(secret=RFC6238_SECRET, code=wrong, at=unix_time, digits=8)
    assert verdict.outcome is totp.Outcome.NO_MATCH


def test_previous_and_next_step_are_accepted_two_steps_is_drift():
    key = totp.decode_secret("JBSWY3DPEHPK3PXP")
    now = 1_800_000_000
    for offset, expected in [(-1, "accepted"), (1, "accepted"), (2, "drift"), (-2, "drift")]:
        code = totp.hotp(key, now // 30 + offset)
        verdict = totp.verify(secret="JBSWY3DPEHPK3PXP", code=code, at=now)
        assert verdict.outcome == expected, offset
        assert verdict.match is not None and verdict.match.offset == offset


def test_three_minutes_ahead_is_drift_of_six_steps_and_three_minutes():
    key = totp.decode_secret("JBSWY3DPEHPK3PXP")
    now = 1_800_000_000
    code = totp.hotp(key, (now + 180) // 30)
    verdict = totp.verify(secret="JBSWY3DPEHPK3PXP", code=code, at=now)
    assert verdict.outcome is totp.Outcome.DRIFT
    assert verdict.match is not None and verdict.match.offset == 6
    assert totp.drift_minutes(verdict.match.offset) == 3


def test_beyond_ten_minutes_is_just_wrong():
    key = totp.decode_secret("JBSWY3DPEHPK3PXP")
    now = 1_800_000_000
    code = totp.hotp(key, (now + 11 * 60) // 30)
    # (guard against an accidental collision making this test meaningless)
    nearby = {totp.hotp(key, now // 30 + d) for d in range(-20, 21)}
    assert code not in nearby
    verdict = totp.verify(secret="JBSWY3DPEHPK3PXP", code=code, at=now)
    assert verdict.outcome is totp.Outcome.NO_MATCH


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123456", "123456"),
        ("１２３４５６", "123456"),
        (" 123 456 ", "123456"),
        ("123-456", "123456"),
        ("12345a", ""),
        ("", ""),
        ("١٢٣٤٥٦", ""),  # Arabic-Indic digits are digits to Python, not to us
    ],
)
def test_normalize_code(raw, expected):
    assert totp.normalize_code(raw) == expected


def test_wrong_length_never_matches():
    assert totp.match_step(key=b"x" * 20, code="1234567", at=0, search=20) is None


def test_secret_with_spaces_and_lowercase_decodes():
    assert totp.decode_secret("jbsw y3dp ehpk 3pxp") == totp.decode_secret("JBSWY3DPEHPK3PXP")


def test_invalid_secret_raises():
    with pytest.raises(totp.InvalidSecret):
        totp.decode_secret("not base32!")
