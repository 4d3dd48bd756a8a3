"""The analytics page and its CSV download: is the community answering, and how fast?"""

import csv
from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import analytics, charts, permissions
from .models import Product

DEFAULT_WEEKS = 12


class RangeForm(forms.Form):
    product = forms.ChoiceField(label=gettext_lazy("Product"), required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = {p.slug: p for p in products}
        self.fields["product"].choices = [("", _("All my products"))] + [(p.slug, p.name) for p in products]

    def clean(self):
        data = super().clean()
        today = timezone.now().date()
        data["end"] = data.get("end") or today
        data["start"] = data.get("start") or data["end"] - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
        if data["start"] > data["end"]:
            raise forms.ValidationError(_("The start date must not be after the end date."))
        if (data["end"] - data["start"]).days > analytics.MAX_RANGE_DAYS:
            raise forms.ValidationError(_("Please choose a range of at most two years."))
        slug = data.get("product") or ""
        data["products"] = [self.products[slug]] if slug else list(self.products.values())
        return data


def _visible_products(user) -> list[Product]:
    if permissions.refusal(user, "analytics.view", None):
        raise PermissionDenied(permissions.refusal(user, "analytics.view", None))
    if permissions.is_knowledge_editor(user):
        return list(Product.objects.order_by("name"))
    return list(Product.objects.filter(pk__in=permissions.expert_product_ids(user)).order_by("name"))


def _report(request):
    products = _visible_products(request.user)
    slug = request.GET.get("product")
    if slug and slug not in {p.slug for p in products} and Product.objects.filter(slug=slug).exists():
        raise PermissionDenied(_("Only the product's experts and the knowledge team can see these figures."))
    form = RangeForm(request.GET or None, products=products)
    if request.GET and not form.is_valid():
        return form, None
    if not request.GET:
        form = RangeForm({}, products=products)
        form.is_valid()
    data = form.cleaned_data
    return form, analytics.weekly_report(products=data["products"], start=data["start"], end=data["end"])


def _charts(report) -> list:
    labels = [week.start.strftime("%m-%d") for week in report.weeks]
    weeks = report.weeks
    series = charts.Series
    result = [
        charts.bar_chart(
            _("Questions asked"), labels, [series(_("Questions"), [w.questions for w in weeks], "series-1")]
        ),
        charts.line_chart(
            _("Share answered and accepted"),
            labels,
            [
                series(_("Answered"), [w.answered_share for w in weeks], "series-1"),
                series(_("Accepted"), [w.accepted_share for w in weeks], "series-2"),
            ],
            percent=True,
        ),
        charts.line_chart(
            _("Median hours to an answer"),
            labels,
            [
                series(_("First answer"), [w.median_first_answer_hours for w in weeks], "series-1"),
                series(_("First expert answer"), [w.median_expert_response_hours for w in weeks], "series-3"),
            ],
        ),
        charts.bar_chart(
            _("Answers by experts and customers"),
            labels,
            [
                series(_("Customers"), [w.answers - w.expert_answers for w in weeks], "series-1"),
                series(_("Experts"), [w.expert_answers for w in weeks], "series-3"),
            ],
        ),
    ]
    if report.knowledge_available:
        result.append(
            charts.line_chart(
                _("Bot hit rate"),
                labels,
                [series(_("Hit rate"), [w.bot_hit_rate for w in weeks], "series-2")],
                percent=True,
            )
        )
    return result


@login_required
def analytics_page(request):
    form, report = _report(request)
    if report is None:
        return render(request, "analytics/index.html", {"form": form}, status=400)
    return render(
        request,
        "analytics/index.html",
        {
            "form": form,
            "report": report,
            "totals": report.totals,
            "charts": _charts(report),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def analytics_csv(request):
    form, report = _report(request)
    if report is None:
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    slug = "-".join(p.slug for p in report.products) if len(report.products) == 1 else "all"
    response["Content-Disposition"] = f'attachment; filename="wendao-{slug}-{report.start}-{report.end}.csv"'
    writer = csv.writer(response)
    writer.writerow([label for _key, label in analytics.CSV_COLUMNS])
    for week in report.weeks:
        row = week.as_row()
        writer.writerow(["" if row[key] is None else row[key] for key, _label in analytics.CSV_COLUMNS])
    return response
