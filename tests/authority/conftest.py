"""Fixtures for the authority index: a clock to move through days, and no posting limits
(the limits have their own tests; here they would only cap how many votes a scenario casts)."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _no_posting_limits(settings):
    settings.WENDAO_LIMITS = {**settings.WENDAO_LIMITS, "ENABLED": False}


class Clock:
    """``timezone.now()`` under the test's control; starts at a fixed moment, moves forward only."""

    def __init__(self):
        self.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock():
    clock = Clock()
    with mock.patch.object(timezone, "now", lambda: clock.now):
        yield clock
