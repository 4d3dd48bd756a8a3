"""Weekly analytics: the figures, the page, the CSV, the charts, and who may see them."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from forum import analytics, charts, hooks, services
from forum.models import Endorsement, Post
from tests.factories import UserFactory, make_answer, make_question

MONDAY = date(2026, 3, 2)


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _set_time(post, when: datetime) -> None:
    Post.objects.filter(pk=post.pk).update(created_at=when)


@pytest.fixture
def kate_client(kate):
    client = Client()
    client.force_login(kate)
    return client


@pytest.fixture
def community(product, alice, bob, erin):
    """Week 1: three questions; one answered by a customer after 2 h and accepted, one answered
    by an expert after 4 h (and by a customer after 1 h), one unanswered. Week 2: one question."""
    q1 = make_question(author=alice, product=product, title="First week question one")
    q2 = make_question(author=alice, product=product, title="First week question two")
    q3 = make_question(author=bob, product=product, title="First week question three")
    q4 = make_question(author=bob, product=product, title="Second week question")
    for question, day in ((q1, MONDAY), (q2, MONDAY + timedelta(days=2)), (q3, MONDAY + timedelta(days=6))):
        _set_time(question, _at(day))
    _set_time(q4, _at(MONDAY + timedelta(days=8)))
    a1 = make_answer(question=q1, author=bob)
    _set_time(a1, _at(MONDAY, 11))
    services.answer_accept(user=alice, answer=a1)
    a2 = make_answer(question=q2, author=erin, body="The expert's answer.")
    _set_time(a2, _at(MONDAY + timedelta(days=2), 13))
    a3 = make_answer(question=q2, author=UserFactory(), body="A customer's quick answer.")
    _set_time(a3, _at(MONDAY + timedelta(days=2), 10))
    endorsement = services.answer_endorse(expert=erin, answer=a1)
    Endorsement.objects.filter(pk=endorsement.pk).update(created_at=_at(MONDAY + timedelta(days=1)))
    return q1, q2, q3, q4


def test_weekly_figures(product, community):
    report = analytics.weekly_report(products=[product], start=MONDAY, end=MONDAY + timedelta(days=13))
    first, second = report.weeks
    assert first.start == MONDAY and second.start == MONDAY + timedelta(days=7)
    assert (first.questions, first.answered, first.accepted) == (3, 2, 1)
    assert first.answered_share == pytest.approx(2 / 3, abs=1e-3)
    assert first.accepted_share == pytest.approx(1 / 3, abs=1e-3)
    assert first.median_first_answer_hours == pytest.approx(1.5)  # 2 h and 1 h
    assert first.median_expert_response_hours == pytest.approx(4.0)
    assert (first.answers, first.expert_answers) == (3, 1)
    assert first.expert_answer_share == pytest.approx(1 / 3, abs=1e-3)
    assert first.customer_answer_share == pytest.approx(2 / 3, abs=1e-3)
    assert first.endorsements == 1
    assert (second.questions, second.answered, second.answered_share) == (1, 0, 0)
    assert second.median_first_answer_hours is None
    assert report.totals.questions == 4


def test_knowledge_figures_come_from_the_hook_or_are_not_available(monkeypatch, product, community):
    monkeypatch.setitem(hooks._providers, "analytics.knowledge_weekly", [])
    report = analytics.weekly_report(products=[product], start=MONDAY, end=MONDAY + timedelta(days=6))
    assert not report.knowledge_available and report.weeks[0].bot_hit_rate is None

    def weekly(product_ids, start, end):
        assert product_ids == [product.pk]
        return {MONDAY: {"articles_published": 2, "bot_queries": 40, "bot_hits": 30}}

    monkeypatch.setitem(hooks._providers, "analytics.knowledge_weekly", [weekly])
    report = analytics.weekly_report(products=[product], start=MONDAY, end=MONDAY + timedelta(days=6))
    week = report.weeks[0]
    assert report.knowledge_available
    assert (week.articles_published, week.bot_queries, week.bot_hit_rate) == (2, 40, 0.75)


def test_the_page_for_an_expert_with_charts(erin_client, product, community):
    response = erin_client.get(reverse("forum:analytics"), {"start": MONDAY, "end": MONDAY + timedelta(days=13)})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") >= 4
    assert "<script" not in html.split("<main")[1]
    assert response.context["report"].totals.questions == 4


def test_csv_download_has_the_same_numbers(erin_client, product, community):
    params = {"product": product.slug, "start": MONDAY, "end": MONDAY + timedelta(days=13)}
    response = erin_client.get(reverse("forum:analytics_csv"), params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[0] == "Week (Monday)" and len(rows) == 3
    assert first["Week (Monday)"] == str(MONDAY)
    assert first["Questions asked"] == "3"
    assert float(first["Median hours to first answer"]) == 1.5


def test_bad_ranges_are_a_clear_400(erin_client):
    url = reverse("forum:analytics")
    response = erin_client.get(url, {"start": "2026-05-01", "end": "2026-04-01"})
    assert response.status_code == 400 and "start date" in response.content.decode()
    assert erin_client.get(url, {"start": "yesterday"}).status_code == 400
    assert erin_client.get(url, {"start": "2020-01-01", "end": "2026-01-01"}).status_code == 400
    assert erin_client.get(reverse("forum:analytics_csv"), {"start": "nope"}).status_code == 400


def test_experts_see_only_their_products(erin_client, other_product):
    assert erin_client.get(reverse("forum:analytics"), {"product": other_product.slug}).status_code == 403
    assert erin_client.get(reverse("forum:analytics_csv"), {"product": other_product.slug}).status_code == 403
    assert erin_client.get(reverse("forum:analytics"), {"product": "no-such-product"}).status_code == 400


def test_knowledge_editors_see_every_product(kate_client, product, other_product):
    response = kate_client.get(reverse("forum:analytics"), {"product": other_product.slug})
    assert response.status_code == 200


def test_customers_get_403(alice_client):
    assert alice_client.get(reverse("forum:analytics")).status_code == 403
    assert alice_client.get(reverse("forum:analytics_csv")).status_code == 403


@given(values=st.lists(st.one_of(st.none(), st.floats(0, 1e6)), min_size=1, max_size=60))
def test_chart_points_stay_inside_the_plot(values):
    chart = charts.line_chart("t", [str(n) for n in range(len(values))], [charts.Series("s", values, "series-1")])
    for point in chart.lines[0]["points"]:
        assert chart.plot["x"] <= point["x"] <= chart.plot["right"]
        assert chart.plot["y"] - 0.1 <= point["y"] <= chart.plot["bottom"] + 0.1


@given(values=st.lists(st.integers(0, 10_000), min_size=1, max_size=60))
def test_bars_never_exceed_the_plot(values):
    chart = charts.bar_chart("t", [str(n) for n in range(len(values))], [charts.Series("s", values, "series-1")])
    for bar in chart.bars:
        assert bar["y"] >= chart.plot["y"] - 0.1 and bar["y"] + bar["h"] <= chart.plot["bottom"] + 0.1
