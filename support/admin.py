"""Operator editing of the support catalogue. Inquiries are read-only here: every change
to an inquiry goes through support.services (history, counts, SLA, notifications)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from core.admin_a11y import DATETIME_LOCAL, LabelledChangelistMixin, LabelledTabularInline
from support.internal.canned import unknown_placeholders
from support.internal.fields import spec_from_dict
from support.models import (
    CannedReply,
    Category,
    CategoryField,
    Closure,
    Inquiry,
    Queue,
    SlaPolicy,
    Subtopic,
)


class CategoryFieldForm(forms.ModelForm):
    class Meta:
        model = CategoryField
        fields = (
            "category",
            "key",
            "kind",
            "label_ja",
            "label_en",
            "help_ja",
            "help_en",
            "required",
            "max_length",
            "choices",
            "position",
            "active",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            spec_from_dict(
                {
                    "key": data.get("key", ""),
                    "kind": data.get("kind", ""),
                    "label_ja": data.get("label_ja", ""),
                    "label_en": data.get("label_en", ""),
                    "choices": data.get("choices") or [],
                }
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


class SubtopicInline(LabelledTabularInline):
    model = Subtopic
    extra = 0


class CategoryFieldInline(admin.StackedInline):
    model = CategoryField
    form = CategoryFieldForm
    extra = 0


@admin.register(Category)
class CategoryAdmin(LabelledChangelistMixin, admin.ModelAdmin):
    list_display = ("slug", "name_ja", "name_en", "queue", "default_priority", "guest_allowed", "active")
    list_editable = ("active",)
    inlines = [SubtopicInline, CategoryFieldInline]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_ja", "name_en", "is_security", "active")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("priority", "first_response_minutes", "resolution_minutes", "around_the_clock")


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "ends_at", "channels", "affects_sla", "reason_ja")
    formfield_overrides = DATETIME_LOCAL


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = (
            "slug",
            "title_ja",
            "title_en",
            "body_ja",
            "body_en",
            "set_status",
            "set_priority",
            "position",
            "active",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in ("body_ja", "body_en"):
            unknown = unknown_placeholders(str(data.get(key, "")))
            if unknown:
                self.add_error(key, "Unknown placeholders: " + ", ".join(unknown))
        return data


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    form = CannedReplyForm
    list_display = ("slug", "title_ja", "title_en", "set_status", "set_priority", "active")


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = ("reference", "queue", "status", "priority", "created_at")
    search_fields = ("reference",)
    list_filter = ("queue", "status", "priority")
    show_full_result_count = False  # no COUNT(*) over a million rows

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
