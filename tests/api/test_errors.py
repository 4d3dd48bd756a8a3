"""Every error comes out in one JSON shape: {status, code, message, fields}."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

pytestmark = pytest.mark.django_db

V1 = "/api/v1"
SHAPE = {"status", "code", "message", "fields"}


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == SHAPE
    assert body["status"] == status and body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_validation_error(alice_api, product):
    body = assert_error(alice_api.post(f"{V1}/questions/", {"product": "router"}), 400, "invalid")
    assert set(body["fields"]) == {"title", "body"}


def test_not_authenticated_has_a_challenge(anon_api, question):
    response = anon_api.post(f"{V1}/questions/{question.pk}/answers/", {"body": "An answer long enough."})
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer wd_not-a-real-token", "Bearer", "Token a b", "Bearer \u00e9t\u00e9"])
def test_bad_tokens_are_refused_even_for_reads(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get(f"{V1}/products/"), 401, "authentication_failed")


def test_permission_denied_says_why(bob_api, answer):
    body = assert_error(bob_api.post(f"{V1}/posts/{answer.pk}/vote/", {"value": 1}), 403, "permission_denied")
    assert body["message"] == "You cannot vote on your own post."


def test_not_found_for_objects_and_unknown_urls(anon_api):
    assert_error(anon_api.get(f"{V1}/questions/999999/"), 404, "not_found")
    assert_error(anon_api.get(f"{V1}/questions/{2**70}/"), 404, "not_found")
    assert_error(anon_api.get(f"{V1}/no-such-thing/"), 404, "not_found")
    assert_error(anon_api.get("/api/elsewhere"), 404, "not_found")


def test_an_answer_id_is_not_a_question(anon_api, answer):
    assert_error(anon_api.get(f"{V1}/questions/{answer.pk}/"), 404, "not_found")


def test_method_not_allowed(alice_api, question):
    assert_error(alice_api.put(f"{V1}/questions/{question.pk}/", {}), 405, "method_not_allowed")


def test_parse_errors_and_media_types(alice_api, product):
    response = alice_api.post(f"{V1}/questions/", "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")
    response = alice_api.post(f"{V1}/questions/", "title=x", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")
    response = alice_api.post(f"{V1}/questions/", [1, 2], format="json")
    assert "JSON object" in assert_error(response, 400, "invalid")["message"]
    assert_error(alice_api.get(f"{V1}/products/", HTTP_ACCEPT="text/html"), 406, "not_acceptable")


def test_anonymous_traffic_is_throttled_with_retry_after(monkeypatch, anon_api):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    for _ in range(3):
        assert anon_api.get(f"{V1}/products/").status_code == 200
    response = anon_api.get(f"{V1}/products/")
    assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60


def test_signed_in_clients_are_not_throttled_by_the_anonymous_rate(monkeypatch, alice_api):
    monkeypatch.setattr(AnonRateThrottle, "rate", "1/minute", raising=False)
    assert all(alice_api.get(f"{V1}/products/").status_code == 200 for _ in range(3))


def test_an_unexpected_crash_is_a_json_500(monkeypatch, product):
    from forum import selectors

    def boom():
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(selectors, "products_with_counts", boom)
    client = APIClient(raise_request_exception=False)
    assert_error(client.get(f"{V1}/products/"), 500, "server_error")
