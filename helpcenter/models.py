"""Help centre: categories, bilingual articles, votes, the search index, announcements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [("ja", _("Japanese")), ("en", _("English"))]


class Category(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=100)
    name_ja = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.slug

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_ja


class Article(models.Model):
    # Stable: links in emails, the app and other articles use it; never changed after creation.
    slug = models.SlugField(max_length=100, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    position = models.PositiveSmallIntegerField(default=100)
    is_published = models.BooleanField(default=True)
    related = models.ManyToManyField("self", symmetrical=False, blank=True)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["category__position", "position", "slug"]

    def __str__(self) -> str:
        return self.slug


class ArticleTranslation(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500, blank=True)
    # Extra search terms (colloquial phrasings, common typos); indexed, never shown.
    keywords = models.CharField(max_length=1000, blank=True)
    body_markdown = models.TextField()
    body_html = models.TextField(editable=False)  # rendered + sanitised by services
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "language"], name="helpcenter_one_translation")]

    def __str__(self) -> str:
        return f"{self.article.slug} [{self.language}]"


class ArticleVote(models.Model):
    """One "was this helpful?" answer per visitor and article (a later answer replaces it)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    # sha256 of the user id or session key: never the raw session key
    visitor = models.CharField(max_length=64)
    helpful = models.BooleanField()
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="ja")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "visitor"], name="helpcenter_one_vote")]


class SearchDocument(models.Model):
    """The analysed token streams of one published translation.

    Kept in the same transaction as the article edit. The database-side index follows it:
    an FTS5 external-content table with triggers on SQLite, a generated ``tsvector``
    column with a GIN index on PostgreSQL (see migration 0002).
    """

    translation = models.OneToOneField(ArticleTranslation, on_delete=models.CASCADE, related_name="search_document")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES)
    title_tokens = models.TextField()
    keyword_tokens = models.TextField(blank=True)
    body_tokens = models.TextField()
    body_length = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["language"], name="helpcenter_searchdoc_lang")]


class SearchMiss(models.Model):
    """A query that found nothing, for staff to write the missing article or synonym."""

    query = models.CharField(max_length=200)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES)
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["query", "language"], name="helpcenter_one_miss")]
        ordering = ["-last_seen"]


class SynonymRule(models.Model):
    """A staff-edited synonym rule, same syntax as internal/synonyms.txt (added to it)."""

    rule = models.CharField(max_length=500)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.rule


class Announcement(models.Model):
    class Kind(models.TextChoices):
        PLANNED_MAINTENANCE = "planned_maintenance", _("Planned maintenance")
        EMERGENCY_MAINTENANCE = "emergency_maintenance", _("Emergency maintenance")
        INCIDENT = "incident", _("Incident")

    kind = models.CharField(max_length=30, choices=Kind.choices)
    title_ja = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    body_ja = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)  # null: until further notice
    affects_sign_in = models.BooleanField(default=False)
    is_published = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["is_published", "starts_at"], name="helpcenter_ann_start")]

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_at:%Y-%m-%d %H:%M}"

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_ja

    def body(self, language: str) -> str:
        return self.body_en if language == "en" else self.body_ja

    def is_active(self, now: object = None) -> bool:
        at = now or timezone.now()
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)  # type: ignore[operator]

    @property
    def is_maintenance(self) -> bool:
        return self.kind in (self.Kind.PLANNED_MAINTENANCE, self.Kind.EMERGENCY_MAINTENANCE)


class ArticleFeedback(models.Model):
    """What was missing, asked after a "No" on "was this helpful?" (one per visitor and article)."""

    class Reason(models.TextChoices):
        NOT_MY_QUESTION = "not_my_question", _("It did not answer my question")
        STEPS_FAILED = "steps_failed", _("I followed the steps but it did not work")
        UNCLEAR = "unclear", _("It was hard to understand")
        OUTDATED = "outdated", _("The screens or information are out of date")
        OTHER = "other", _("Something else")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    visitor = models.CharField(max_length=64)  # sha256, as for votes
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="ja")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "visitor"], name="helpcenter_one_feedback")]
        ordering = ["-created_at"]
