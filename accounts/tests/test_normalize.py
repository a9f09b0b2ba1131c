import pytest
from django.core.exceptions import ValidationError

from accounts.normalize import normalize_email, password_input_hints
from accounts.phone import display_phone, mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("hanako@example.jp", "hanako@example.jp"),
        ("  Hanako@Example.JP ", "Hanako@example.jp"),
        ("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ", "hanako@example.jp"),
        ("ＨＡＮＡＫＯ＠ＥＸＡＭＰＬＥ．ＪＰ\u3000", "HANAKO@example.jp"),
    ],
)
def test_emails_are_nfkc_normalised_trimmed_and_domain_lowercased(typed, stored):
    assert normalize_email(typed) == stored


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("090-1234-5678", "+819012345678"),
        ("09012345678", "+819012345678"),
        ("０９０－１２３４－５６７８", "+819012345678"),
        ("+81 90 1234 5678", "+819012345678"),
        ("03-1234-5678", "+81312345678"),
    ],
)
def test_japanese_phone_input_becomes_e164(typed, e164):
    assert normalize_phone(typed) == e164


@pytest.mark.parametrize("typed", ["", "12", "090-1234", "not a number", "+1 555"])
def test_invalid_phone_numbers_are_refused_with_an_example(typed):
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert "090-1234-5678" in str(error.value.messages[0])


def test_phone_display_and_mask():
    assert display_phone("+819012345678") == "090-1234-5678"
    assert mask_phone("+819012345678") == "***-****-5678"


@pytest.mark.parametrize(
    ("password", "hints"),
    [
        ("Hanako2026pass", []),
        ("Ｈａｎａｋｏ2026", ["full_width"]),
        (" Hanako2026pass", ["surrounding_space"]),
        ("パスワード1 ", ["full_width", "surrounding_space"]),
    ],
)
def test_password_input_hints(password, hints):
    assert password_input_hints(password) == hints
