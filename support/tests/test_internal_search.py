from support.internal.search import index_tokens, matches, query_terms, tsquery


def test_japanese_substring_found_by_bigrams():
    grams = index_tokens("出金が反映されない", "ビットコインの送金")
    assert matches(grams, "反映")
    assert matches(grams, "出金 反映")
    assert matches(grams, "送金")
    assert not matches(grams, "入金")


def test_katakana_hiragana_and_width_are_folded():
    grams = index_tokens("ｶﾀｶﾅのメッセージ")
    assert matches(grams, "カタカナ")
    assert matches(grams, "かたかな")
    assert matches(grams, "めっせーじ")


def test_single_character_query_matches_anywhere():
    grams = index_tokens("入金反映")
    assert matches(grams, "映")
    assert matches(grams, "入")
    assert not matches(grams, "出")


def test_latin_words_match_by_prefix_case_insensitively():
    grams = index_tokens("hanako@example.jp TX-ABC123 Q-2611-XY")
    assert matches(grams, "HANA")
    assert matches(grams, "abc12")
    assert matches(grams, "ＴＸ")
    assert not matches(grams, "bc123")


def test_tsquery_is_ascii_and_safe():
    q = tsquery("反映 abc'); DROP TABLE x; --")
    assert set(q) <= set("x0123456789abcdef:*& ")
    assert q
    assert tsquery("") == ""
    assert tsquery("   ") == ""


def test_query_terms_are_capped():
    assert len(query_terms(" ".join(f"w{i}" for i in range(50)))) == 12
