import pytest

from support import selectors


@pytest.fixture
def fake_helpcenter(monkeypatch):
    calls = []

    def search_articles(*, query, language, limit=5):
        calls.append((query, language, limit))
        if query == "boom":
            raise RuntimeError("index down")
        return [{"slug": "sms-code", "title": "SMSが届かない", "snippet": "…", "category": "sign-in", "score": 0.9}]

    monkeypatch.setattr(selectors, "search_articles", search_articles)
    return calls


def test_suggestions_use_the_help_centre_search(fake_helpcenter):
    results = selectors.suggest_articles(query="SMSが届かない", language="ja", limit=3)
    assert results[0]["slug"] == "sms-code"
    assert fake_helpcenter == [("SMSが届かない", "ja", 3)]


def test_suggestions_never_break_the_form(fake_helpcenter):
    assert selectors.suggest_articles(query="boom", language="ja") == []
    assert selectors.suggest_articles(query="a", language="ja") == []  # too short to search


@pytest.mark.django_db
def test_suggest_endpoint(client, fake_helpcenter):
    response = client.get("/support/suggest/", {"q": "SMSが届かない"})
    assert response.json()["results"][0]["title"] == "SMSが届かない"
    api = client.get("/api/v1/inquiry-suggestions", {"q": "SMSが届かない"})
    assert api.status_code == 200 and api.json()[0]["slug"] == "sms-code"
