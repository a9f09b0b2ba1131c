"""Read-only admin views: every write goes through helpcenter.services (audit, search index,
cache invalidation). Staff edit in /help/staff/."""

from typing import Any

from django.contrib import admin

from core.admin_views import ReadOnlyAdmin

from .models import Announcement, Article, ArticleTranslation, Category, SearchMiss, SynonymRule


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ("slug", "name_ja", "name_en", "position")


class TranslationInline(admin.StackedInline):
    model = ArticleTranslation
    extra = 0
    fields = ("language", "title", "summary", "keywords", "updated_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ("slug", "category", "is_published", "helpful_yes", "helpful_no", "updated_at")
    inlines = [TranslationInline]


@admin.register(Announcement)
class AnnouncementAdmin(ReadOnlyAdmin):
    list_display = ("kind", "title_ja", "starts_at", "ends_at", "affects_sign_in", "is_published")


@admin.register(SearchMiss)
class SearchMissAdmin(ReadOnlyAdmin):
    list_display = ("query", "language", "count", "last_seen")


@admin.register(SynonymRule)
class SynonymRuleAdmin(ReadOnlyAdmin):
    list_display = ("rule", "updated_at")
