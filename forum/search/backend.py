"""haystack's Whoosh backend, made fit for Wendao.

``WendaoWhooshEngine`` is what ``HAYSTACK_CONNECTIONS`` names in the embedded default. Against
the stock backend it:

- highlights with the index's own analyzer (jieba + stemming), so Chinese snippets are marked
  too (the stock one hard-codes the English stemming analyzer);
- waits for Whoosh's write lock (with a time limit) instead of failing when two writers meet,
  so a second process that writes (a rebuild while the worker runs) never loses an update;
- stores only the fields that are shown, keeps positions only where phrases are searched,
  and builds no spelling graph: a third of the index size and build time;
- restricts results to registered models inside the main query instead of a separate,
  unlimited "narrow" search over every document per query (the stock way costs seconds on
  100,000 documents).
"""

import contextlib
import itertools
import logging
import mmap
import os
import time
from collections.abc import Iterable

from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, ID
from haystack.exceptions import SearchBackendError
from haystack.utils import get_identifier, get_model_ct
from whoosh.codec import whoosh3
from whoosh.fields import DATETIME, KEYWORD, NUMERIC, TEXT
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import LockError
from whoosh.query import And, AndMaybe, AndNot, DefaultOr, Or, Term
from whoosh.searching import Results, ResultsPage

from . import merging, parsing, postings
from .analysis import text_analyzer
from .counting import count_cost, count_matches, estimate_matches, matching_docnums, walk_to
from .highlight import snippet
from .scoring import disjunction_clauses, disjunction_scores

logger = logging.getLogger(__name__)

# Whoosh turns every block of posting ids it reads from gaps back into ids with a Python
# generator (``whoosh.util.numlists.delta_decode``); ``itertools.accumulate`` yields the same
# running sums in C. Reading ids is most of what a query of common words does.
whoosh3.delta_decode = itertools.accumulate
# And a block's ids and weights are read without unpickling its positions (``postings``).
postings.install()

# A query written ``a ANDMAYBE b`` (the query builder's, on a large index): how many questions
# ``a`` chooses before the whole query scores them.
CANDIDATES = 50
# Up to this many matches, the search page scores them all (its total reads them anyway).
SCORE_ALL_LIMIT = 2_000
# The search page's total is exact when counting it reads at most this many postings (about
# 5 ms at 100,000 questions); past that it is estimated from about as many (``estimate_count``).
EXACT_COUNT_BUDGET = 20_000
# Every term of the first field is also in the second (``documents.build_document``: the text
# holds the title and the tags), so a question matching ``title:w`` matches ``text:w``.
COVERING_FIELDS = {"title": "text"}

# How long a writer waits for another writer to finish, and how often it looks.
LOCK_TIMEOUT_SECONDS = 120.0
LOCK_RETRY_DELAY = 0.05


class MappedFileStorage(FileStorage):
    """Whoosh's file storage, reading each (non-compound) index file through a memory map.

    Whoosh reads posting blocks and their headers with many small seeks and reads; on a plain
    file each is a system call (a search on 100,000 questions spent more time in them than in
    scoring), through a map they are memory copies. Compound segment files keep Whoosh's own
    handling (they map themselves). The map lives as long as the reader; on POSIX a file
    removed by a merge stays readable until its map closes.
    """

    def open_file(self, name, **kwargs):
        if name.endswith(".seg"):
            return super().open_file(name, **kwargs)
        with open(self._fpath(name), "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:  # mmap refuses empty files
                return super().open_file(name, **kwargs)
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return StructFile(mapped, name=name, **kwargs)


class WendaoWhooshBackend(WhooshSearchBackend):
    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        for field_class in fields.values():
            name = field_class.index_fieldname
            if isinstance(schema[name], TEXT) and field_class.field_type not in ("ngram", "edge_ngram"):
                is_content = name == content_field_name
                schema.remove(name)
                schema.add(
                    name,
                    TEXT(
                        stored=field_class.stored or is_content,
                        analyzer=field_class.analyzer or text_analyzer(),
                        field_boost=field_class.boost,
                        phrase=is_content,
                    ),
                )
            elif type(schema[name]) is NUMERIC:  # not DATETIME, a NUMERIC subclass
                # Sortable: "sort by score" reads a column instead of un-inverting the field.
                # shift_step=0: one term per value instead of Whoosh's eight "tiered" terms,
                # which only speed up range queries, and Wendao asks none (a filter on a
                # product is an exact term, sorts read the column). A seventh of the postings
                # a document writes.
                numtype = float if field_class.field_type == "float" else int
                schema.remove(name)
                schema.add(name, NUMERIC(stored=field_class.stored, numtype=numtype, sortable=True, shift_step=0))
            elif isinstance(schema[name], DATETIME):
                schema[name].shift_step = 0  # as above: dates are only sorted on, never ranged
            elif isinstance(schema[name], KEYWORD):
                schema.remove(name)
                schema.add(name, KEYWORD(stored=field_class.stored, commas=True, scorable=False))
        return content_field_name, schema

    def _writer(self, **options):
        """A writer that waits for the lock another process holds, up to a time limit.

        Segments are written as separate files, not Whoosh's default compound file: opening a
        reader on a compound segment copies each of its parts into memory (``BufferFile`` wraps
        the mapped file in a ``BytesIO``), so with a 400 MiB segment every update (whose writer
        opens readers to delete the old document) and every searcher reopened after a commit
        copied the big term and posting files first: 0.8 s of an update's 1 s under cProfile.
        """
        options.setdefault("compound", False)
        self.index = self.index.refresh()
        deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
        while True:
            try:
                return self.index.writer(timeout=5.0, delay=LOCK_RETRY_DELAY, **options)
            except LockError:
                if time.monotonic() > deadline:
                    raise
                logger.info("Whoosh index is locked by another writer; waiting")

    def update(self, index, iterable, commit=True, merge=False):
        """Write these objects' documents. ``merge=False`` (a single post's change): the commit
        adds a small segment and merges nothing, so no update waits for Whoosh's merge of small
        segments (100-180 ms of CPU at 100,000 questions); ``merge_segments`` does that as a task
        of its own (``forum.tasks.search_merge_segments``)."""
        if not self.setup_complete:
            self.setup()
        documents = []
        for obj in iterable:
            doc = index.full_prepare(obj)
            documents.append({key: self._from_python(value) for key, value in doc.items() if key != "boost"})
        if not documents:
            return
        writer = self._writer()
        try:
            for doc in documents:
                writer.update_document(**doc)
        except Exception:
            writer.cancel()
            raise
        writer.commit(merge=merge)

    def remove(self, obj_or_string, commit=True):
        if not self.setup_complete:
            self.setup()
        writer = self._writer()
        try:
            writer.delete_by_term(ID, get_identifier(obj_or_string))
        except Exception:
            writer.cancel()
            raise
        writer.commit(merge=False)

    def segment_count(self) -> int:
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        return len(self.index._segments())

    def segment_sizes(self) -> list[int]:
        """Each segment's documents on disk (deleted ones included): what ``merging`` decides by."""
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        return [segment.doc_count_all() for segment in self.index._segments()]

    def merge_segments(self) -> int:
        """Merge the small segments that single updates left (``forum/search/merging.py``'s tiered
        policy, which never rewrites the big segment); returns the number of segments after it."""
        if not self.setup_complete:
            self.setup()
        self._writer().commit(mergetype=merging.merge_policy)
        return self.segment_count()

    def add_documents(self, documents: list[dict], *, update: bool = False) -> None:
        """Write prepared documents in one commit (the evaluation and the benchmark use this);
        ``update`` replaces documents with the same id instead of adding."""
        if not self.setup_complete:
            self.setup()
        writer = self._writer()
        try:
            for doc in documents:
                fields = {key: self._from_python(value) for key, value in doc.items()}
                (writer.update_document if update else writer.add_document)(**fields)
        except Exception:
            writer.cancel()
            raise
        writer.commit(merge=not update)  # an update merges nothing, as ``update`` explains

    def bulk_add(self, documents: Iterable[dict], *, procs: int = 1, limitmb: int = 256) -> int:
        """Write many prepared documents (an iterable, read once) with one writer and one commit;
        returns how many. For building a large index (the benchmark's 100,000 questions).

        One commit instead of one per batch: every commit writes a segment and Whoosh's merge
        policy then rewrites the small ones again and again. ``limitmb`` is the writer's posting
        pool in memory before it spills a sorted run to disk. With ``procs`` > 1 Whoosh's
        multiprocessing writer analyses documents in that many forked processes, each writing
        its own segment (``multisegment``: no merge at commit; ``optimize()`` merges later).
        """
        if not self.setup_complete:
            self.setup()
        options = {"limitmb": limitmb}
        if procs > 1:
            # Forked workers inherit jieba's dictionary only if it is loaded before the fork.
            from .analysis import _dictionary

            _dictionary()
            options.update(
                procs=procs, multisegment=True, batchsize=250, subargs={"compound": False, "limitmb": limitmb}
            )
        writer = self._writer(**options)
        count = 0
        try:
            for doc in documents:
                writer.add_document(**{key: self._from_python(value) for key, value in doc.items()})
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return count

    def optimize(self) -> None:
        """Merge every segment into one (separate files, as ``_writer`` explains)."""
        if not self.setup_complete:
            self.setup()
        self._writer().commit(optimize=True)

    def setup(self):
        super().setup()
        if self.use_file_storage:
            self.storage = MappedFileStorage(self.path)
            self.index = self.storage.open_index(schema=self.schema)
        self._searcher = None

    def delete_index(self):
        self._searcher = None
        super().delete_index()

    def _current_searcher(self):
        """One searcher kept open and refreshed only when the index changed.

        The stock backend opens a reader to count documents, then a new searcher, on every
        query: with a few segments that is most of a query's time.
        """
        searcher = getattr(self, "_searcher", None)
        if searcher is not None and not searcher.up_to_date():
            # Whoosh's searcher.refresh() reuses the old segment readers, but keys them by
            # generation rather than segment id; once the search worker has committed and merged
            # under a long-lived searcher it closes readers still in use ("Reader already
            # closed", every later search failing). A fresh searcher costs about a millisecond.
            with contextlib.suppress(Exception):
                searcher.close()
            searcher = None
        if searcher is None:
            self.index = self.index.refresh()
            searcher = self.index.searcher()
        self._searcher = searcher
        return searcher

    def search(self, query_string, sort_by=None, start_offset=0, end_offset=None, **kwargs):
        if not self.setup_complete:
            self.setup()
        # False: the caller wants the top hits only (similar questions); the total is then a
        # lower bound and costs nothing.
        exact_count = kwargs.pop("exact_count", True)
        # True (the search page): the total may be an estimate when an exact one would read
        # long posting lists; the answer then says ``hits_estimated``. Whether a next page
        # exists is always known exactly.
        estimate_count = kwargs.pop("estimate_count", False)
        models = kwargs.pop("models", None)
        limit = kwargs.pop("limit_to_registered_models", None)
        if limit is None:
            from django.conf import settings

            limit = getattr(settings, "HAYSTACK_LIMIT_TO_REGISTERED_MODELS", True)
        choices = sorted(get_model_ct(model) for model in models) if models else []
        if not choices and limit:
            choices = self.build_models_list()
        # Only one model is indexed today, so the restriction is a no-op and costs nothing; with
        # several, it becomes part of the query, which Whoosh answers from one posting list.
        if choices and set(choices) != set(self.build_models_list()) and query_string:
            models_clause = " OR ".join(f"{DJANGO_CT}:{ct}" for ct in choices)
            query_string = f"({query_string}) AND ({models_clause})"
        unusual = ("facets", "date_facets", "query_facets", "narrow_queries", "within", "dwithin")
        if any(kwargs.get(name) for name in unusual):
            return super().search(
                query_string, sort_by, start_offset, end_offset, limit_to_registered_models=False, **kwargs
            )
        arguments = (query_string, sort_by, start_offset, end_offset)
        kwargs.update(exact_count=exact_count, estimate_count=estimate_count)
        try:
            return self._search(*arguments, **kwargs)
        except Exception:
            # The search worker may merge segments (and remove their files) between this
            # process's check that its searcher is current and its reading of the hits; a load
            # test met it once in 689 searches. A fresh searcher reads the new segments. Once
            # only: a second failure is a real one and goes up.
            logger.info("search failed on a kept searcher; retrying once with a fresh one", exc_info=True)
            self._drop_searcher()
            return self._search(*arguments, **kwargs)

    def _drop_searcher(self) -> None:
        searcher, self._searcher = getattr(self, "_searcher", None), None
        if searcher is not None:
            with contextlib.suppress(Exception):
                searcher.close()

    def _search(
        self,
        query_string,
        sort_by,
        start_offset,
        end_offset,
        highlight=False,
        result_class=None,
        exact_count=True,
        estimate_count=False,
        **kwargs,
    ):
        empty = {"results": [], "hits": 0, "spelling_suggestion": None}
        if len(query_string) == 0 or (len(query_string) <= 1 and query_string != "*"):
            return empty
        # The query builder's own syntax is read directly (``parsing``), the rest by Whoosh.
        parsed = parsing.parse(query_string, self.schema)
        if parsed is None:
            parsed = self.parser.parse(query_string)
        if parsed is None:
            return empty
        reverse = False
        if sort_by:
            if len({name.startswith("-") for name in sort_by}) > 1:
                raise SearchBackendError("Whoosh requires all order_by fields to use the same sort direction")
            reverse = sort_by[0].startswith("-")
            sort_by = [name.lstrip("-") for name in sort_by]
        page_num, page_length = self.calculate_page(start_offset, end_offset)
        searcher = self._current_searcher()
        if not searcher.doc_count():
            return empty
        # The top hits up to this page; then the total by sets of ids (count_matches) unless
        # the collector already knows it (a sort visits every match anyway). Whoosh's own
        # search_page would walk every match a second time to count it.
        limit = page_num * page_length
        matching = about = None
        if not sort_by and _has_and_maybe(parsed):  # written so by Wendao's query builder
            results = _search_candidates_first(searcher, parsed, limit, max(CANDIDATES, limit))
        else:
            parsed = _text_covers_title(parsed)
            if exact_count and estimate_count and not sort_by:
                about = _estimate_if_costly(searcher, parsed)
            if about is not None:
                # One hit more than the page: whether a next page exists is then known exactly,
                # and, when it does not, so is the total.
                results = searcher.search(parsed, limit=limit + 1)
            else:
                matching = matching_docnums(searcher, parsed) if exact_count else None
                if matching is not None and not sort_by and len(matching) <= SCORE_ALL_LIMIT:
                    # The page needs the matches for its total anyway: when they are few,
                    # scoring them is cheaper than Whoosh's search for the top ones (which
                    # walks every posting list again).
                    top = sorted(_scores(searcher, parsed, matching), key=lambda item: (-item[0], item[1]))
                    results = Results(searcher, parsed, top[:limit])
                else:
                    results = searcher.search(parsed, limit=limit, sortedby=sort_by or None, reverse=reverse)
        estimated = False
        if about is not None:
            seen = results.scored_length()
            estimated = seen > limit
            total = max(_rounded(about), seen) if estimated else seen
        elif results.has_exact_length():
            total = len(results)
        elif matching is not None:
            total = len(matching)
        else:
            total = count_matches(searcher, parsed) if exact_count else results.scored_length()
        raw_page = _CountedPage(results, page_num, page_length, total)
        if raw_page.pagenum < page_num:
            # Past the last page: no hits, but the total, so that the caller can show the last.
            return {**empty, "hits": total}
        found = self._process_results(
            raw_page, highlight=highlight, query_string=query_string, result_class=result_class, facet_types={}
        )
        found["hits_estimated"] = estimated
        return found

    def _process_results(self, raw_page, highlight=False, query_string="", **kwargs):
        results = super()._process_results(raw_page, highlight=False, query_string=query_string, **kwargs)
        if highlight and results["results"]:
            terms = self.query_terms(query_string)
            for result in results["results"]:
                text = getattr(result, self.content_field_name, "") or ""
                result.highlighted = {self.content_field_name: [snippet(text, terms)]}
        return results

    def query_terms(self, query_string: str) -> set[str]:
        """The analysed words a query looks for in text fields (for marking them in snippets)."""
        parsed = self.parser.parse(query_string)
        found = set()
        for fieldname, text in parsed.iter_all_terms():
            if fieldname in self.schema and isinstance(self.schema[fieldname], TEXT):
                found.add(text.decode("utf-8") if isinstance(text, bytes) else text)
        return found

    def document_frequencies(self):
        """(how many documents hold a term of a field, how many documents there are), read from
        the cached searcher: for picking a question's rarest words ("similar questions")."""
        if not self.setup_complete:
            self.setup()
        searcher = self._current_searcher()

        def document_frequency(field: str, term: str) -> int:
            try:
                return searcher.doc_frequency(field, term)
            except Exception:  # a field this index does not have
                return 0

        return document_frequency, searcher.doc_count()

    def doc_count(self) -> int:
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        return self.index.doc_count()

    def has_document(self, obj_or_string) -> bool:
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        with self.index.searcher() as searcher:
            return searcher.document_number(**{ID: get_identifier(obj_or_string)}) is not None


def _estimate_if_costly(searcher, query) -> int | None:
    """An estimate of how many questions ``query`` matches when counting them exactly would read
    more than EXACT_COUNT_BUDGET postings and there are more than SCORE_ALL_LIMIT of them (fewer
    are counted exactly: the page then scores them all); otherwise None."""
    if count_cost(searcher, query) <= EXACT_COUNT_BUDGET:
        return None
    about, exact = estimate_matches(searcher, query, EXACT_COUNT_BUDGET)
    return None if exact or about <= SCORE_ALL_LIMIT else about


def _rounded(count: int) -> int:
    """An estimate to two significant digits (12,345 → 12,000): no more precise than it is."""
    if count < 100:
        return count
    unit = 10 ** (len(str(count)) - 2)
    return round(count / unit) * unit


def _text_covers_title(query):
    """``(title:a^3 OR text:a) AND (title:b^3 OR text:b)`` (the search page's "every word") as
    ``(text:a AND text:b) ANDMAYBE (title:a^3 OR title:b^3)``: the same questions with the same
    scores, since the text holds the title (COVERING_FIELDS). Whoosh then intersects plain
    posting lists, skipping blocks, instead of unions of two lists per word, and the title
    clauses only add to the score of the questions found."""
    if type(query) is not And:
        return query.apply(_text_covers_title)
    required, optional = [], []
    for sub in query.subqueries:
        pair = _covered_pair(sub)
        if pair:
            optional.append(pair[0])
            required.append(pair[1])
        else:
            required.append(_text_covers_title(sub))
    if not optional:
        return query
    return AndMaybe(And(required, boost=query.boost), Or(optional))


def _covered_pair(query):
    """(title term, text term) when ``query`` is ``title:w OR text:w`` with the same ``w``."""
    if type(query) not in (Or, DefaultOr) or len(query.subqueries) != 2 or query.boost != 1.0:
        return None
    first, second = query.subqueries
    if type(first) is not Term or type(second) is not Term or first.text != second.text:
        return None
    if COVERING_FIELDS.get(first.fieldname) == second.fieldname and second.boost == 1.0:
        return first, second
    if COVERING_FIELDS.get(second.fieldname) == first.fieldname and first.boost == 1.0:
        return second, first
    return None


def _has_and_maybe(query) -> bool:
    return isinstance(query, AndMaybe) or any(_has_and_maybe(child) for child in query.children())


def _required_part(query):
    """The query with every ``a ANDMAYBE b`` replaced by ``a``: what chooses the candidates."""
    if isinstance(query, AndMaybe):
        return _required_part(query.a)
    return query.apply(_required_part)


def _search_candidates_first(searcher, query, limit: int, candidates: int) -> Results:
    """The top ``limit`` hits of a query holding ``a ANDMAYBE b``, in two steps: the best
    ``candidates`` questions by the required parts alone (few, short posting lists, where
    Whoosh's block skipping works), then those candidates scored by the whole query.

    Whoosh would otherwise walk the optional part's posting lists (common words, long lists)
    for every question the required part matches. Each candidate's score is exactly its score
    in the whole query; what can be missed is a question outside the best ``candidates`` by the
    required part that the optional part would lift into the top ``limit``.
    """
    started = time.perf_counter()
    required = _required_part(query)
    clauses = disjunction_clauses(required)
    if clauses is not None:
        # An OR of terms (what the query builder writes): scored list by list; the best by
        # score, equal scores in index order, as Whoosh's collector keeps them.
        by_score = disjunction_scores(searcher, clauses)
        chosen = sorted(sorted(by_score, key=lambda docnum: (-by_score[docnum], docnum))[:candidates])
    else:  # with a filter or a phrase: Whoosh's own search
        first = searcher.search(required, limit=candidates)
        chosen = sorted(first.docnum(i) for i in range(first.scored_length()))
    scored = _scores(searcher, query, chosen)
    # Best first; equal scores in index order, as Whoosh's own collector sorts them.
    top = sorted(scored, key=lambda item: (-item[0], item[1]))[:limit]
    return Results(searcher, query, top, runtime=time.perf_counter() - started)


def _scores(searcher, query, docnums: list[int]) -> list[tuple[float, int]]:
    """(score, docnum) of those of ``docnums`` (sorted, top-level numbers) that ``query``
    matches, as Whoosh scores them."""
    units = _scoring_units(query)
    scores: dict[int, float] = {}
    context = searcher.context()
    for leaf, offset in searcher.leaf_searchers():
        end = offset + leaf.doc_count_all()
        local = [docnum - offset for docnum in docnums if offset <= docnum < end]
        if not local:
            continue
        # The documents match the required parts (and every filter): a score is the sum of the
        # scores of the clauses a document holds. One clause at a time, skipping along its
        # posting list, is cheaper than moving the whole tree of matchers to each document.
        for unit in units if units is not None else [query]:
            matcher = unit.matcher(leaf, context)
            for docnum in walk_to(matcher, local):
                scores[docnum + offset] = scores.get(docnum + offset, 0.0) + matcher.score()
    return [(score, docnum) for docnum, score in scores.items()]


def _scoring_units(query):
    """The clauses whose scores add up to a matching question's score (OR, AND and ANDMAYBE
    sum their parts; what AND NOT leaves out scores nothing); None when a group carries a boost
    (the whole query is then scored as one)."""
    kind = type(query)
    if kind in (And, Or, DefaultOr, AndMaybe, AndNot):
        if query.boost != 1.0:
            return None
        parts = [query.a] if kind is AndNot else query.children()
        units = []
        for part in parts:
            found = _scoring_units(part)
            if found is None:
                return None
            units += found
        return units
    return [query]


class _CountedPage(ResultsPage):
    """Whoosh's page of results with the total given instead of counted by walking every match."""

    def __init__(self, results, pagenum, pagelen, total):
        self.results = results
        self.total = total
        self.pagecount = (total + pagelen - 1) // pagelen
        self.pagenum = min(self.pagecount, pagenum)
        self.offset = (self.pagenum - 1) * pagelen
        self.pagelen = min(pagelen, total - self.offset)


class WendaoWhooshEngine(WhooshEngine):
    backend = WendaoWhooshBackend
    query = WhooshSearchQuery
