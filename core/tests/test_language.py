import pytest

pytestmark = pytest.mark.django_db


def test_japanese_is_the_default_even_for_english_browsers(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert page["Content-Language"] == "ja"
    assert 'lang="ja"' in page.content.decode()
    # and the English visitor is offered a switch
    assert "Show in English?" in page.content.decode()


def test_japanese_browsers_get_no_offer(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ja-JP,ja;q=0.9")

    assert "Show in English?" not in page.content.decode()


def test_yes_switches_and_is_remembered(client):
    response = client.post("/language/", {"language": "en", "offer": "yes", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "en"
    assert "Show in English?" not in page.content.decode()


def test_an_english_reader_on_a_japanese_browser_is_offered_japanese(client):
    client.post("/language/", {"language": "en", "offer": "yes"})

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ja")

    assert "日本語で表示しますか？" in page.content.decode()


def test_never_stops_the_offer(client):
    response = client.post("/language/", {"offer": "never"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.cookies["lang_offer"]["max-age"]

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Show in English?" not in page.content.decode()
    assert page["Content-Language"] == "ja"


def test_the_switch_never_redirects_off_site(client):
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_api_follows_accept_language(client):
    ja = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="ja")
    en = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")

    assert ja.status_code == en.status_code == 401
    assert en.json()["error"]["message"] == "Please sign in."
    assert ja.json()["error"]["message"] != en.json()["error"]["message"]


def test_a_signed_in_customer_gets_their_saved_language(client, user_factory):
    user = user_factory(language="en")
    client.force_login(user)

    assert client.get("/").headers["Content-Language"] == "en"
