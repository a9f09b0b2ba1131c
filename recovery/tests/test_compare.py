"""Width/kana-insensitive comparison used to highlight mismatches for reviewers."""

import pytest

from recovery.internal.compare import compare, normalise


@pytest.mark.parametrize(
    "registered,submitted",
    [
        ("山田 花子", "山田花子"),
        ("山田　花子", "山田 花子"),
        ("YAMADA Hanako", "ＹＡＭＡＤＡ　ＨＡＮＡＫＯ"),
        ("ヤマダ ハナコ", "やまだはなこ"),
        ("ﾔﾏﾀﾞ ﾊﾅｺ", "ヤマダハナコ"),
        ("髙橋 一郎", "高橋一郎"),
        ("齋藤 愛", "斎藤愛"),
    ],
)
def test_names_match_regardless_of_width_kana_space_and_variants(registered, submitted):
    assert compare("full_name", registered, submitted).matches


@pytest.mark.parametrize(
    "registered,submitted",
    [
        ("東京都千代田区丸の内1-2-3", "東京都千代田区丸の内１丁目２番３号"),
        ("東京都千代田区丸の内1-2-3", "東京都千代田区丸の内1ー2ー3"),
        ("東京都千代田区丸の内1-2-3 マンション101", "東京都千代田区丸の内1−2−3　ﾏﾝｼｮﾝ101"),
        ("大阪府大阪市北区梅田2丁目4番9号", "大阪府大阪市北区梅田2-4-9"),
    ],
)
def test_addresses_match_regardless_of_notation(registered, submitted):
    assert compare("address", registered, submitted, kind="address").matches


def test_different_names_are_a_mismatch_with_the_difference_marked():
    result = compare("full_name", "山田 花子", "山田 華子")
    assert not result.matches
    assert ("華", True) in result.submitted_segments
    assert ("花", True) in result.registered_segments
    assert ("山田", False) in result.submitted_segments


def test_different_house_numbers_do_not_match():
    assert not compare("address", "丸の内1-2-3", "丸の内1-2-4", kind="address").matches


def test_kanji_and_reading_are_not_silently_equal():
    assert not compare("full_name", "山田花子", "やまだはなこ").matches


def test_empty_values_never_match():
    assert not compare("full_name", "", "").matches


def test_long_vowel_mark_in_a_name_is_kept():
    assert normalise("ユーコ") == "ゆーこ"
