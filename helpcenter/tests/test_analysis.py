"""The analyser: NFKC, Sudachi mode A normalised forms, English stems (no database)."""

from helpcenter.internal.analysis import analyze


def test_two_factor_spellings_give_the_same_tokens():
    # given the four ways customers type "two-step authentication"
    variants = ["2段階認証", "二段階認証", "２段階認証", "ニ段階認証"]
    # when analysed / then they are one token stream
    assert {tuple(analyze(v)) for v in variants} == {("2段階", "認証")}


def test_loanwords_stay_whole_and_long_vowels_fold():
    assert analyze("ログイン") == ["ログイン"]
    assert analyze("セルフィー") == analyze("セルフィ") == ["セルフィ"]
    assert analyze("ﾊﾟｽﾜｰﾄﾞ") == ["パスワード"]  # half-width katakana


def test_particles_and_auxiliaries_are_dropped_but_negation_is_kept():
    # 「ログインできない」 and 「ログインができません」 mean the same thing
    assert analyze("ログインできない") == analyze("ログインができません") == ["ログイン", "出来る", "出来るない"]
    assert "が" not in analyze("メールが届かない")


def test_english_is_stemmed_and_sign_in_is_one_word():
    assert analyze("Withdrawals delayed") == ["withdraw", "delay"]
    assert analyze("I can't sign in") == ["cannot", "signin"]
    assert analyze("log-in") == analyze("login") == ["login"]
    assert analyze("signing up") == ["signup"]


def test_full_width_latin_and_symbols():
    assert analyze("ＰＡＳＳＷＯＲＤ！！") == ["password"]
    assert analyze("「2FA」？") == ["2fa"]
    assert analyze("   ") == []
