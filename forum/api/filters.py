"""django-filter filters for the question list: product, tag, status, author, date, sort.

Django's form fields behind them already refuse NUL characters (which PostgreSQL cannot compare
against), unknown products, out-of-range ids and malformed dates, each with a 400.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy
from django_filters.utils import translate_validation

from forum.models import Post, Product

from .pagination import API_SORTS

STATUSES = {
    "open": Q(closed_at__isnull=True),
    "closed": Q(closed_at__isnull=False),
    "answered": Q(answer_count__gt=0),
    "unanswered": Q(answer_count=0),
    "accepted": Q(has_accepted_answer=True),
}


class IdFilter(django_filters.Filter):
    """A whole-number id within the database's range (Django's form field refuses the rest)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class QuestionFilter(django_filters.FilterSet):
    product = django_filters.ModelChoiceFilter(
        queryset=Product.objects.all(), to_field_name="slug", help_text=gettext_lazy("A product's slug.")
    )
    tag = django_filters.CharFilter(field_name="tags__name", help_text=gettext_lazy("A tag name."))
    status = django_filters.ChoiceFilter(
        choices=[(name, name) for name in STATUSES], method="filter_status", help_text=", ".join(STATUSES)
    )
    author = IdFilter(field_name="author_id", help_text=gettext_lazy("The author's user id."))
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    sort = django_filters.ChoiceFilter(
        choices=[(name, name) for name in API_SORTS],
        method="filter_noop",
        help_text=gettext_lazy("Order: active (default), newest or votes."),
    )

    class Meta:
        model = Post
        fields = ["product", "tag", "status", "author", "created_after", "created_before", "sort"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(STATUSES[value]) if value else queryset

    def filter_noop(self, queryset, name, value):
        return queryset  # the pagination applies the order; the filter validates and documents it


def question_filters(request) -> dict:
    """The question list's filters as django-filter validates them (its form's cleaned data), or
    the 400 its backend raises (``DjangoFilterBackend.filter_queryset``), without building the
    filtered queryset: ``forum/api/question_list.py`` writes the page's SQL itself."""
    filterset = QuestionFilter(request.query_params, queryset=Post.objects.none(), request=request)
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    return filterset.form.cleaned_data


def names_a_filter(request, filterset_class=QuestionFilter) -> bool:
    """Whether the request names one of the filter set's filters (an empty value counts: it is
    still validated)."""
    return any(name in request.query_params for name in filterset_class.base_filters)
