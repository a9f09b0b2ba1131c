"""Issue 15: the relevance set written before tuning and frozen (relevance/queries_v2.txt), the
queries listed under its *Why*, and the 「<topic>の<action>方法」 class.

The shipped articles are loaded once for the module (inside a transaction rolled back at the
end), so each query can be its own test without re-indexing 68 articles each time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from helpcenter import selectors
from helpcenter.relevance import V2, article_list, load_v2, measure

GOAL_TOP1, GOAL_TOP3, GOAL_SENTENCES_TOP3 = 0.85, 0.97, 0.90


@pytest.fixture(scope="module")
def shipped(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    from helpcenter.services import content_import

    with django_db_blocker.unblock(), transaction.atomic():
        content_import()
        yield
        transaction.set_rollback(True)


def top(query: str, language: str = "ja", n: int = 3) -> list[str]:
    return [r["slug"] for r in selectors.search_articles(query=query, language=language, limit=n)]


# ---- the set itself ---------------------------------------------------------------------


def test_the_new_set_is_frozen_big_and_varied():
    header = V2.read_text(encoding="utf-8").splitlines()[:3]
    assert any("FROZEN" in line and "UTC" in line for line in header)
    queries = load_v2()
    assert len(queries) >= 150
    assert sum(q.is_sentence for q in queries) >= 0.40 * len(queries)
    assert sum(q.language == "en" for q in queries) >= 20
    for tag in ("r", "l", "t", "h", "w"):  # readings, loanwords, typos, の…方法, the Why list
        assert any(tag in q.tags for q in queries), tag
    slugs = {row[0] for row in article_list()}
    assert [q.text for q in queries if not set(q.acceptable) <= slugs] == []


@pytest.mark.django_db
def test_the_new_set_meets_its_goals(shipped: None):
    queries = load_v2()

    def found(q: Any) -> list[str]:
        return top(q.text, q.language, 10)

    everything = measure(queries, found)
    sentences = measure([q for q in queries if q.is_sentence], found)
    print(f"v2: {everything['top1']:.3f}/{everything['top3']:.3f}; sentences top3 {sentences['top3']:.3f}")
    assert everything["top1"] >= GOAL_TOP1, everything["misses"]
    assert everything["top3"] >= GOAL_TOP3, everything["misses"]
    assert sentences["top3"] >= GOAL_SENTENCES_TOP3, sentences["misses"]


# ---- every query listed under Why --------------------------------------------------------

WHY = [
    ("ja", "認証コードを入れても違うと言われてしまいます。", {"two-factor-login-trouble", "phone-clock-sync"}),
    ("ja", "スマホを電車に置き忘れてしまいました", {"phone-lost", "freeze-account"}),
    ("ja", "知らない端末からログインされたというメールが来ました", {"new-device-email", "account-hijacked"}),
    ("ja", "にだんかいにんしょう", {"two-factor-setup", "two-factor-login-trouble", "two-factor-disable"}),
    ("ja", "カプチャ", {"captcha", "recaptcha-error"}),
    ("ja", "グーグルオーセンティケーター", {"authenticator-apps", "two-factor-setup"}),
    ("ja", "Google Authenticater", {"authenticator-apps", "two-factor-setup"}),
    ("en", "Google Authenticater", {"authenticator-apps", "two-factor-setup"}),
    ("ja", "振り込んだのに残高が増えない", {"deposit-not-reflected"}),
    ("ja", "乗っ取られたかもしれない", {"account-hijacked", "freeze-account"}),
    ("ja", "ビットコイン送ったのに届かない", {"crypto-deposit-not-arriving", "withdrawal-delayed"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "query", "answers"), WHY, ids=[f"{w[0]}:{w[1]}" for w in WHY])
def test_each_query_under_why_finds_its_answer_first(shipped: None, language: str, query: str, answers: set[str]):
    results = top(query, language)
    assert results and results[0] in answers, results


@pytest.mark.django_db
def test_why_wrong_articles_no_longer_come_first(shipped: None):
    # before: 振り込んだのに… → api-usage, 乗っ取られた… → api-usage, ビットコイン… → sms-verification
    assert top("振り込んだのに残高が増えない")[0] != "api-usage"
    assert top("乗っ取られたかもしれない")[0] != "api-usage"
    assert top("ビットコイン送ったのに届かない")[0] != "sms-verification"
    assert top("Google Authenticater", "en")[0] != "social-login"


@pytest.mark.django_db
def test_login_alone_puts_cannot_sign_in_above_social_login(shipped: None):
    results = top("ログイン", n=10)
    assert results[0] == "cannot-sign-in"
    assert "social-login" not in results or results.index("social-login") > 0


# ---- the 「設定方法」 class ----------------------------------------------------------------

HOW_TO = [
    ("2段階認証の設定方法", "2段階認証 設定", "two-factor-setup"),
    ("二段階認証の設定方法", "二段階認証 設定", "two-factor-setup"),
    ("２段階認証の設定方法", "２段階認証 設定", "two-factor-setup"),
    ("二要素認証の設定方法", "二要素認証 設定", "two-factor-setup"),
    ("2FAの設定方法", "2FA 設定", "two-factor-setup"),
    ("二段階認証の解除方法", "二段階認証 解除", "two-factor-disable"),
    ("パスキーの登録方法", "パスキー 登録", "passkey"),
    ("メールアドレスの変更方法", "メールアドレス 変更", "email-change"),
    ("電話番号の変更方法", "電話番号 変更", "phone-number-change"),
    ("パスワードの再設定方法", "パスワード 再設定", "password-reset"),
    ("フィッシング対策コードの設定方法", "フィッシング対策コード 設定", "anti-phishing-code"),
    ("出金先アドレスの登録方法", "出金先アドレス 登録", "withdrawal-address-add"),
    ("リカバリーコードの使い方", "リカバリーコード", "recovery-codes-use"),
    ("2段階認証のやり方", "2段階認証", "two-factor-setup"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("shaped", "keywords", "answer"), HOW_TO, ids=[h[0] for h in HOW_TO])
def test_topic_no_action_houhou_finds_what_the_keywords_find(shipped: None, shaped: str, keywords: str, answer: str):
    # given 「<topic>の<action>方法」 / then the same first article as 「<topic> <action>」, the right one
    assert top(shaped)[0] == answer
    assert top(shaped)[0] == top(keywords)[0]
