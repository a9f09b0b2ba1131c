"""Names for the admin's form controls that Django leaves unnamed (axe: ``label``,
``select-name``, ``aria-prohibited-attr``, ``label-content-name-mismatch``).

- A tabular inline and a changelist with ``list_editable`` print each field's name once,
  in the table head; the inputs in the rows have no label. ``LabelledInlineFormSet`` and
  ``LabelledChangelistMixin`` give every control of a row an ``aria-label`` (the field's
  label), the delete checkbox included.
- The date and time shortcuts of ``AdminSplitDateTime`` carry an untranslated ``aria-label``
  ("Today (…)") beside the translated text; ``DATETIME_LOCAL`` replaces the widget with the
  browser's own labelled ``datetime-local`` input.
- ``filter_horizontal`` draws an icon ``<span aria-label>`` without a role; admins with it
  use the plain, labelled multiple select instead.

Checked by core/tests/browser/test_accessibility.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db import models
from django.forms.models import BaseInlineFormSet, BaseModelFormSet
from django.http import HttpRequest

if TYPE_CHECKING:  # the stubs' generics; the classes themselves are not subscriptable at run time
    _InlineFormSet = BaseInlineFormSet[Any, Any, Any]
    _ModelFormSet = BaseModelFormSet[Any, Any]
    _TabularInline = admin.TabularInline[Any, Any]
    _ModelForm = forms.ModelForm[Any]
else:
    _InlineFormSet, _ModelFormSet = BaseInlineFormSet, BaseModelFormSet
    _TabularInline, _ModelForm = admin.TabularInline, forms.ModelForm


def _name_controls(form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        label = field.label if field.label is not None else name
        # A RelatedFieldWidgetWrapper (foreign keys) renders its inner widget, whose attrs
        # are no longer the wrapper's after the form's deep copy.
        widgets: list[Any] = [field.widget, getattr(field.widget, "widget", None)]
        for widget in {id(w): w for w in widgets if w is not None}.values():
            widget.attrs.setdefault("aria-label", label)


class LabelledInlineFormSet(_InlineFormSet):
    def add_fields(self, form: _ModelForm, index: Any) -> None:
        super().add_fields(form, index)
        _name_controls(form)


class LabelledChangelistFormSet(_ModelFormSet):
    def add_fields(self, form: _ModelForm, index: Any) -> None:
        super().add_fields(form, index)
        _name_controls(form)


class LabelledTabularInline(_TabularInline):
    formset = LabelledInlineFormSet


class LabelledChangelistMixin:
    def get_changelist_formset(self, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("formset", LabelledChangelistFormSet)
        return super().get_changelist_formset(request, **kwargs)  # type: ignore[misc]


DATETIME_LOCAL: dict[Any, dict[str, Any]] = {
    models.DateTimeField: {
        "form_class": forms.DateTimeField,
        "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    }
}
