"""The API's orjson renderer writes exactly the bytes DRF's ``JSONRenderer`` writes (or hands the
data to DRF's code where orjson would write something else)."""

import datetime
import decimal
import math
import struct
import uuid
from collections import OrderedDict

import pytest
from django.utils.translation import gettext_lazy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer as DrfRenderer

from forum.api import renderers
from forum.api.renderers import JSONRenderer

FAST = JSONRenderer()
DRF = DrfRenderer()


def _both(data, media_type="application/json", context=None):
    return FAST.render(data, media_type, context or {}), DRF.render(data, media_type, context or {})


def test_the_project_settings_take_the_fast_path(monkeypatch):
    """If the settings stopped matching what orjson writes, every response would quietly take
    the slow path: fail instead."""
    assert FAST._fast
    monkeypatch.setattr(renderers.orjson, "dumps", lambda *a, **k: b"orjson")
    assert FAST.render({"a": 1}, "application/json", {}) == b"orjson"


def test_the_api_renders_with_it():
    from rest_framework.settings import api_settings

    renderer_classes = api_settings.DEFAULT_RENDERER_CLASSES
    assert renderer_classes == [JSONRenderer]


TEXT = '路由器 Wi-Fi “quoted” — dash\u2028line\u2029para \x00\x01\x1f\x7f "q" \\ / \t\n\r\b\f é 😀 <script>&amp;'


@pytest.mark.parametrize(
    "value",
    [
        TEXT,
        {"text": TEXT, "nested": [{"a": None, "b": True, "c": False}], "empty": {}, "list": []},
        OrderedDict([("z", 1), ("a", 2)]),
        (1, 2, 3),
        2**63 - 1,
        -(2**63),
        2**70,  # beyond 64 bits: orjson refuses, DRF writes it
        {1: "int key"},  # DRF writes "1"; orjson refuses
        {"when": datetime.datetime(2026, 11, 23, 7, 0, 1, 123456, tzinfo=datetime.UTC)},
        {"naive": datetime.datetime(2026, 11, 23, 7, 0, 1), "day": datetime.date(2026, 11, 23)},
        {"time": datetime.time(7, 0, 1, 5), "delta": datetime.timedelta(hours=1, microseconds=3)},
        {"money": decimal.Decimal("1.10"), "id": uuid.UUID(int=7), "lazy": gettext_lazy("Edit summary.")},
        {"bytes": b"raw", "set": {3}},
        [0.0, -0.0, 1.0, 0.1, 1 / 3, 1e-4, 9.99e-5, 1e-5, 1.5e-5, 1e-6, 2.5e-7, 1e-10, 3e-300, 5e-324],
        [1e15, 1e16, 1.5e16, 1e17, 1e21, 1e22, 1.7976931348623157e308, 9999999999999998.0, -1e-5, -2.5e-7],
        {"text mentions 0.00001 and 1e-5": "0.00001 1e-7 re-install"},
    ],
)
def test_same_bytes_as_drf(value):
    fast, drf = _both(value)
    assert fast == drf


def test_line_and_paragraph_separators_are_escaped():
    assert FAST.render({"a": "x\u2028y\u2029z"}) == b'{"a":"x\\u2028y\\u2029z"}'


def test_indented_responses_are_drfs():
    fast, drf = _both({"a": [1, {"b": "c"}]}, "application/json; indent=4")
    assert fast == drf
    assert b"\n    " in fast


def test_none_renders_nothing():
    assert _both(None) == (b"", b"")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_become_null(value):
    """The one deliberate difference: DRF (``STRICT_JSON``) refuses them; the API has none."""
    with pytest.raises(ValueError):
        DRF.render({"x": value})
    assert FAST.render({"x": value}) == b'{"x":null}'


def test_lone_surrogates_fail_as_in_drf():
    with pytest.raises(UnicodeEncodeError):
        DRF.render({"x": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        FAST.render({"x": "\ud800"})


def test_float_subclasses_go_to_drf():
    class Score(float):
        pass

    assert _both([Score(0.5)])[0] == b"[0.5]"


def test_every_float_shape_is_caught():
    """Each float orjson writes unlike Python's ``repr`` is caught by the check (so the response
    falls back to DRF); the others need no fallback. Random bit patterns cover every exponent."""
    import orjson

    differing = 0
    for bits in range(0, 2**64, 2**64 // 20011):
        for value in (struct.unpack("<d", struct.pack("<Q", bits))[0], (bits % 10007) * 1e-9):
            if not math.isfinite(value):
                continue
            written = orjson.dumps(value)
            if written != repr(value).encode():
                differing += 1
                assert renderers._floats_may_differ(b"[" + written + b"]"), value
    assert differing > 1000


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_same_bytes_as_drf_for_any_json(value):
    try:
        drf = DRF.render(value)
    except UnicodeEncodeError:  # lone surrogates: both fail (above)
        return
    assert FAST.render(value) == drf
