from django.contrib import admin

from .models import Announcement, Article, ArticleTranslation, Category, SearchMiss, SynonymRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_ja", "name_en", "position")


class TranslationInline(admin.StackedInline):
    model = ArticleTranslation
    extra = 0
    readonly_fields = ("title", "summary", "keywords", "body_markdown", "updated_at")
    can_delete = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    # Edits go through the staff editor (/help/staff/articles/) so the search index follows.
    list_display = ("slug", "category", "is_published", "helpful_yes", "helpful_no", "updated_at")
    readonly_fields = ("slug", "helpful_yes", "helpful_no", "created_at", "updated_at")
    inlines = [TranslationInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ("kind", "title_ja", "starts_at", "ends_at", "affects_sign_in", "is_published")


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    list_display = ("query", "language", "count", "last_seen")


@admin.register(SynonymRule)
class SynonymRuleAdmin(admin.ModelAdmin):
    list_display = ("rule", "updated_at")
