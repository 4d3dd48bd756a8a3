"""A small, thread-safe LRU in one process's memory, whose entries may also expire.

Each web process keeps what it used last (post HTML in ``forum/fragments.py``, question
threads in ``forum/thread_cache.py``) in front of the shared cache or the database: no round
trip, no unpickling. Bounded in entries, so a process's memory stays flat.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable


class LocalLRU:
    """At most ``size`` entries, the least recently used dropped first. With ``max_age`` (a
    function returning seconds, read at each lookup so settings can change), an entry older
    than that is not returned."""

    def __init__(self, size: int, max_age: Callable[[], float] | None = None):
        self.size = size
        self.max_age = max_age
        self._items: OrderedDict = OrderedDict()  # key -> (kept at, value)
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable) -> dict:
        found = {}
        now = time.monotonic()
        oldest = now - self.max_age() if self.max_age else None
        with self._lock:
            for key in keys:
                item = self._items.get(key)
                if item is None:
                    continue
                if oldest is not None and item[0] < oldest:
                    del self._items[key]
                    continue
                self._items.move_to_end(key)
                found[key] = item[1]
        return found

    def get(self, key):
        return self.get_many([key]).get(key)

    def set_many(self, items: dict) -> None:
        now = time.monotonic()
        with self._lock:
            for key, value in items.items():
                self._items[key] = (now, value)
                self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def set(self, key, value) -> None:
        self.set_many({key: value})

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
