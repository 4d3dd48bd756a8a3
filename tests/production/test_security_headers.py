"""Every page carries a strict Content Security Policy, nosniff and a Referrer-Policy, and no
template relies on inline script or style that the policy would block."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import make_answer, make_question

ROOT = Path(__file__).resolve().parents[2]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize("url_name", ["forum:home", "login", "forum:signup", "forum:search"])
def test_pages_send_the_policy_and_headers(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_question_page_for_an_expert_has_no_inline_script_or_handler(erin_client, product, alice, bob):
    question = make_question(author=alice, product=product, body="<script>alert(1)</script> **hello**")
    make_answer(question=question, author=bob, body="<img src=x onerror=alert(1)> try this")
    response = erin_client.get(question.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    # Every <script> loads a file; no element has an on*= handler or a style="" attribute.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"<[a-z][^>]*\son[a-z]+\s*=", html, flags=re.I) == []
    assert re.findall(r"<[a-z][^>]*\sstyle\s*=", html, flags=re.I) == []
    # htmx is told not to inject its indicator <style> (the policy would refuse it).
    assert '"includeIndicatorStyles":false' in html


def test_templates_have_no_inline_script_handler_or_style():
    """A static sweep of every page template (e-mails excepted: mail clients need inline styles)."""
    offenders = []
    for path in [*ROOT.glob("forum/templates/**/*.html"), *ROOT.glob("knowledge/templates/**/*.html")]:
        if path.name.startswith("email_"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path}: inline <script>")
        if re.search(r"<[a-z][^>]*\son[a-z]+\s*=", text, flags=re.I):
            offenders.append(f"{path}: on*= handler")
        if re.search(r"<[a-z][^>]*\sstyle\s*=|<style", text, flags=re.I):
            offenders.append(f"{path}: inline style")
        if "javascript:" in text:
            offenders.append(f"{path}: javascript: URL")
    assert offenders == []


def test_api_docs_allow_swagger_styles_but_no_inline_script(client, db):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    policy = _policy(response)
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode()) == []


def test_api_json_is_not_sniffed(client, db):
    response = client.get("/api/v1/products/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("application/json")


def test_the_policy_built_once_is_django_csps(client, db):
    from csp.utils import build_policy

    response = client.get(reverse("forum:home"))
    assert response["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in response


def test_a_page_with_its_own_policy_still_gets_it(client, db):
    # The API docs page widens style-src for Swagger UI (forum.security.api_docs_csp).
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    assert "'unsafe-inline'" in _policy(response)["style-src"]
    assert "'unsafe-inline'" not in client.get(reverse("forum:home"))["Content-Security-Policy"]


def test_changed_settings_change_the_policy(client, db, settings):
    assert "object-src" in _policy(client.get(reverse("forum:home")))  # built from the defaults
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["https:"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    response = client.get(reverse("forum:home"))
    assert _policy(response) == {"default-src": ["'self'"], "img-src": ["https:"]}
    assert response["Content-Security-Policy-Report-Only"] == "default-src 'none'"
