"""The OpenAPI schema and the interactive docs are served, complete and self-hosted."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ERRORS = {"400", "401", "403", "404", "405", "406", "429"}


def test_schema_documents_every_operation_with_its_errors():
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"status", "code", "message", "fields"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert codes >= ERRORS, f"{method.upper()} {path} does not document {sorted(ERRORS - codes)}"
            if method in {"post", "patch", "put", "delete"}:
                assert "415" in codes
            error_ref = operation["responses"]["403"]["content"]["application/json"]["schema"]["$ref"]
            assert error_ref == "#/components/schemas/Error"


def test_docs_page_loads_its_assets_locally():
    # Redoc is not offered: its page loads web fonts from Google.
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    assert "/static/drf_spectacular_sidecar/" in html
