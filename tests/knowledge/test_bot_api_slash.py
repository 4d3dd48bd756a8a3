"""The bot endpoint answers with and without a trailing slash, and the schema lists it once."""

from django.urls import reverse


def test_bot_answer_works_with_a_trailing_slash_too(client, db):
    for path in ("/api/v1/kb/answer?q=router", "/api/v1/kb/answer/?q=router"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "results" in response.json() or "articles" in response.json()


def test_schema_lists_the_bot_answer_endpoint_once(client, db):
    schema = client.get(reverse("api-schema"), query_params={"format": "json"}).json()
    paths = [p for p in schema["paths"] if p.startswith("/api/v1/kb/answer")]
    assert paths == ["/api/v1/kb/answer"]
