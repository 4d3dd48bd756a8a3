"""Writing questions into the search index (called by the Celery tasks and the rebuild)."""

from haystack import connections

from forum.models import Post

from . import merging
from .documents import questions_for_index


def _index(using: str):
    return connections[using].get_unified_index().get_index(Post)


def question_reindex(*, question_id: int, using: str = "default") -> bool:
    """Bring one question's document up to date; remove it if it is deleted or gone.

    Idempotent: it reads the question as it is now, so running it twice, or late, is harmless.
    Returns whether the question is now in the index.
    """
    backend = connections[using].get_backend()
    question = questions_for_index().filter(pk=question_id).first()
    if question is None:
        backend.remove(f"forum.post.{question_id}")
        return False
    backend.update(_index(using), [question])
    return True


def needs_merge(using: str = "default") -> bool:
    """Whether single updates have left enough small segments for a merge (forum/search/merging.py)."""
    backend = connections[using].get_backend()
    return hasattr(backend, "segment_sizes") and bool(merging.segments_to_merge(backend.segment_sizes()))


def merge_segments(using: str = "default") -> int | None:
    """Merge what single updates left (Whoosh only: other engines merge by themselves)."""
    backend = connections[using].get_backend()
    return backend.merge_segments() if hasattr(backend, "merge_segments") else None


def index_batches(*, batch_size: int = 500, using: str = "default"):
    """Yield (number of questions written) per batch while indexing every visible question."""
    backend = connections[using].get_backend()
    index = _index(using)
    ids = list(questions_for_index().values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = list(questions_for_index().filter(pk__in=ids[start : start + batch_size]))
        backend.update(index, batch, **({"merge": True} if hasattr(backend, "merge_segments") else {}))
        yield len(batch)


def index_size(using: str = "default") -> int:
    return questions_for_index().count()
