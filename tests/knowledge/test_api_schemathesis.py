"""Schemathesis over the knowledge base's operations as a knowledge editor.

``tests/api/test_schemathesis.py`` fuzzes every operation as a customer and as an expert, who
are refused by the editor-only endpoints before any input is read; here the same checks run as
a knowledge editor, so the generated input (NUL bytes, odd Unicode, wrong types, huge numbers,
forged cursors) reaches the serializers and services of ``/api/v1/kb/``: no 5xx, and every
response conforms to the schema.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation import GenerationMode

from knowledge.models import BotMiss
from tests.api.conftest import token_client
from tests.api.test_authorization_matrix import _world
from tests.api.test_schemathesis import CHECKS, EXAMPLES, _keep_test_connection, _pin_path_parameters, _schema_dict

__all__ = ["_keep_test_connection"]  # a fixture, used by name below

KB = "/api/v1/kb/"


@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_test_connection")
def test_knowledge_api_conforms_to_its_schema_as_an_editor(settings_kb_tmp):
    world, users = _world()
    product = world["product"]
    BotMiss.objects.create(product=product, text="firmware rollback 固件回滚", tokens=["firmware", "rollback"])
    ids = [world["article"].pk, world["candidate"].pk, world["export"].pk, world["answer"].pk]
    schema_dict = _pin_path_parameters(_schema_dict(), ids, [product.slug, "camera"])
    schema_dict["paths"] = {path: item for path, item in schema_dict["paths"].items() if path.startswith(KB)}
    schema = schemathesis.openapi.from_dict(schema_dict)
    app = get_wsgi_application()
    client = token_client(users["editor"])
    headers = {"Authorization": client._credentials["HTTP_AUTHORIZATION"]}

    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
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
    assert operations >= 15, operations  # the filter kept the knowledge base's operations
    assert not failures, "\n\n".join(failures)


@pytest.fixture
def settings_kb_tmp(settings, tmp_path):
    # Exports started by the fuzzer write files: keep them in a temporary folder.
    settings.KNOWLEDGE = {**settings.KNOWLEDGE, "EXPORT_DIR": str(tmp_path / "exports"), "BOT_ANON_RATE": ""}
