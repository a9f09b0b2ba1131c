"""'Was this helpful?': one answer per visitor, rate-limited."""

from typing import Any

import pytest

from core.errors import ApplicationError
from helpcenter import services
from helpcenter.models import Article, ArticleVote

pytestmark = pytest.mark.django_db


def test_one_vote_per_visitor_and_a_changed_mind_moves_the_count(help_content: None):
    article = Article.objects.get(slug="captcha")
    # given a visitor who says "yes" twice
    assert services.article_vote(article=article, visitor="v1", helpful=True) == (1, 0)
    assert services.article_vote(article=article, visitor="v1", helpful=True) == (1, 0)
    # when they change their mind / then yes moves to no, never double-counted
    assert services.article_vote(article=article, visitor="v1", helpful=False) == (0, 1)
    # and another visitor counts separately
    assert services.article_vote(article=article, visitor="v2", helpful=True) == (1, 1)
    assert ArticleVote.objects.filter(article=article).count() == 2


def test_votes_are_rate_limited_per_address(help_content: None, settings: Any, rf: Any):
    settings.MADOGUCHI_HELP_VOTE_RATE_LIMIT = (3, 3600)
    article = Article.objects.get(slug="captcha")
    request = rf.post("/", REMOTE_ADDR="203.0.113.9")
    for i in range(3):
        services.article_vote(article=article, visitor=f"bot{i}", helpful=True, request=request)
    with pytest.raises(ApplicationError) as exc:
        services.article_vote(article=article, visitor="bot9", helpful=True, request=request)
    assert exc.value.code == "rate_limited" and exc.value.status == 429
    assert Article.objects.get(pk=article.pk).helpful_yes == 3


def test_the_visitor_key_never_stores_the_session_key(client: Any, help_content: None):
    # when an anonymous visitor votes through the page
    response = client.post("/help/articles/captcha/vote/", {"helpful": "yes"})
    assert response.status_code == 302
    vote = ArticleVote.objects.get()
    session_key = client.session.session_key
    # then the stored id is a hash, not the session key
    assert len(vote.visitor) == 64 and session_key not in vote.visitor
    # and a second vote from the same browser does not add another
    client.post("/help/articles/captcha/vote/", {"helpful": "yes"})
    assert ArticleVote.objects.count() == 1
    assert Article.objects.get(slug="captcha").helpful_yes == 1
