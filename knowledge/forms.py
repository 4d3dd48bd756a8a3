"""Forms of the knowledge pages. They only shape input; the rules live in ``services``."""

import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from forum.models import Product

from .exporters import FORMATS


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Canonical title"), max_length=300)
    alt_questions = forms.CharField(
        label=_("Alternative phrasings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line: how customers actually ask this question."),
    )
    answer_markdown = forms.CharField(
        label=_("Answer (Markdown)"), widget=forms.Textarea(attrs={"rows": 14, "class": "markdown-input"})
    )
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.order_by("name"))
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by spaces or commas."))
    locale = forms.ChoiceField(label=_("Locale"), choices=settings.LANGUAGES)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional: after this date the article comes back for re-verification."),
    )
    product_version = forms.CharField(label=_("Product version"), required=False, max_length=50)
    note = forms.CharField(label=_("Note for the history"), required=False, max_length=300)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why reject it?"), max_length=300)


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("Why retire it?"), max_length=300, required=False)


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=[(name, name) for name in FORMATS])
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.order_by("name"), required=False, empty_label=_("All products")
    )
    locale = forms.ChoiceField(label=_("Locale"), choices=[("", _("All locales")), *settings.LANGUAGES], required=False)
    since = forms.DateTimeField(
        label=_("Changed since"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Optional: an incremental export of what changed since then (retirements included in JSONL)."),
    )

    def clean_since(self):
        since = self.cleaned_data.get("since")
        if since and since > datetime.datetime.now(tz=datetime.UTC):
            raise forms.ValidationError(_("“Changed since” cannot be in the future."))
        return since
