"""Every constraint the models declare exists in the database the migrations built.

A migration that alters a column can drop an index Django did not recognise as the model's own
(it happened: 0008 lost ``one_accepted_answer`` on PostgreSQL; 0010 restores it). The tests that
rely on a constraint catch one such loss; this catches them all, on both databases.
"""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def _declared():
    for model in apps.get_models():
        if model._meta.app_label in {"forum", "knowledge"} and not model._meta.proxy and model._meta.managed:
            for constraint in model._meta.constraints:
                yield model, constraint.name


@pytest.mark.parametrize(("model", "name"), list(_declared()), ids=lambda v: getattr(v, "__name__", v))
def test_the_constraint_is_in_the_database(model, name):
    with connection.cursor() as cursor:
        present = connection.introspection.get_constraints(cursor, model._meta.db_table)
    assert name in present, f"{model._meta.db_table} lacks {name}"
