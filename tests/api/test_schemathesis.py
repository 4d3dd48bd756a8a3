"""Property-based tests of the whole API from its OpenAPI schema (schemathesis), in-process.

For every operation, schemathesis generates valid and invalid requests (odd Unicode, NUL bytes,
wrong types, huge numbers) and sends them through Django's WSGI application with a personal
token, as a customer and as an expert. Every response must be no 5xx, have a status code,
content type, headers and body that the schema documents.

Path parameters are drawn from the objects that exist (and a few that do not) so the requests
reach real questions and answers instead of stopping at 404. ``SCHEMATHESIS_EXAMPLES`` raises
the number of examples per operation and mode for a longer run (default 6 keeps the whole file
to a minute or two on SQLite).
"""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from forum import services

from ..factories import TagFactory, UserFactory, make_answer, make_question
from .conftest import token_client
from .test_authorization_matrix import _world

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _schema_dict() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def _pin_path_parameters(schema: dict, ids: list[int], slugs: list[str]) -> dict:
    """Let generated path parameters name real objects (plus one missing id and slug)."""
    for item in schema["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "path":
                    continue
                if parameter["schema"].get("type") == "integer":
                    parameter["schema"] = {"type": "integer", "enum": [*ids, 987654321]}
                else:
                    parameter["schema"] = {"type": "string", "enum": [*slugs, "no-such-product"]}
    return schema


@pytest.fixture
def _keep_test_connection():
    """The WSGI handler closes "old" database connections around every request; inside the
    test's transaction that would close the connection holding the test data (PostgreSQL).
    Django's own test client disconnects the same receivers while it runs a request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_test_connection")
@pytest.mark.parametrize("role", ["owner", "expert"])
def test_api_conforms_to_its_schema(role):
    world, users = _world()
    product = world["product"]
    TagFactory(product=product, name="固件")
    extra = make_question(author=users["other"], product=product, title="Ünïcödé 问题 \u200b title", tags=["固件"])
    extra_answer = make_answer(question=extra, author=users["owner"], body="Answer with emoji 🚀 and RTL \u202e text.")
    services.comment_add(author=users["other"], post=extra_answer, body="A comment 评论")
    ids = [
        world["question"].pk,
        world["answer"].pk,
        world["deleted"].pk,
        extra.pk,
        extra_answer.pk,
        users["owner"].pk,
        UserFactory(username="inactive", is_active=False).pk,
        world["notification"].pk,
        world["article"].pk,
        world["candidate"].pk,
    ]
    schema = schemathesis.openapi.from_dict(_pin_path_parameters(_schema_dict(), ids, [product.slug, "camera"]))
    app = get_wsgi_application()
    client = token_client(users[role])
    headers = {"Authorization": client._credentials["HTTP_AUTHORIZATION"]}

    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                response = case.call(app=app, headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                check()
            except Exception as error:  # collect every operation's failure, then report them all
                failures.append(f"{operation.label} [{mode.value}]: {error}")
    assert not failures, "\n\n".join(failures)
