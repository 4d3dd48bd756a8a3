"""Put imported questions into the search index.

Bulk inserts send no signals, so the per-question re-index that services queue never happens
for an import; this writes the product's questions in batches instead, after the import has
committed (a search outage then costs a re-run of ``rebuild_index``, never the import).
"""

from haystack import connections

from forum.models import Post
from forum.search.documents import questions_for_index

from .stackexchange import NoProgress, Progress

BATCH_SIZE = 500


def index_product(product_id: int, *, progress: Progress = NoProgress, using: str = "default") -> int:
    """Index (or re-index) every visible question of the product; returns how many."""
    backend = connections[using].get_backend()
    index = connections[using].get_unified_index().get_index(Post)
    ids = list(questions_for_index().filter(product_id=product_id).values_list("pk", flat=True))
    bar = progress(total=len(ids), desc="Indexing", unit=" questions")
    try:
        for start in range(0, len(ids), BATCH_SIZE):
            batch = list(questions_for_index().filter(pk__in=ids[start : start + BATCH_SIZE]))
            backend.update(index, batch)
            bar.update(len(batch))
    finally:
        bar.close()
    return len(ids)
