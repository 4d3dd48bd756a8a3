"""JSON Lines for retrieval-augmented bots: one article per line, keys sorted.

An incremental export (``--since``) ends with one ``{"id": ..., "deleted": true, ...}`` line per
article retired since then, so the consumer can drop it from its store.
"""

import json

from .base import counting

EXTENSION = ".jsonl"
CONTENT_TYPE = "application/jsonl; charset=utf-8"
SUPPORTS_DELETIONS = True


def _line(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def write(stream, records, deletions, progress=None) -> None:
    for record in counting(records, progress):
        stream.write(_line(record.as_dict()))
    for deletion in deletions:
        stream.write(
            _line(
                {
                    "id": deletion.id,
                    "deleted": True,
                    "deleted_at": deletion.deleted_at,
                    "product": deletion.product,
                    "locale": deletion.locale,
                }
            )
        )
