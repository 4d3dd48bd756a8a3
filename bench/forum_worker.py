"""The forum benchmark's child process: one per database (``bench_forum`` starts it with the
database's environment). Migrates the throwaway database, builds questions with 1, 10, 50 and
200 answers through ``forum.services`` (the same path users take: rendered HTML, revisions,
counters, signals), then times the question pages and the product list through Django's test
client, in-process: what is measured is the server's work, from request to rendered response.

Writes its results as JSON to the path given with ``--out``.
"""

import argparse
import contextlib
import json
import os
import random
import sys
import time
from datetime import timedelta

LOREM_EN = [
    "The router keeps dropping the 5 GHz band after the last firmware update",
    "I tried resetting it and moving it away from the microwave, but it still falls back to 2.4 GHz",
    "Holding the reset button for ten seconds restores the factory settings without touching the firmware",
    "Check the channel width in the advanced wireless settings; 160 MHz is not supported by older clients",
    "Mesh satellites need to be re-paired after a factory reset, otherwise they keep the old controller key",
]
LOREM_ZH = (
    "升级固件以后，五千兆赫频段每隔几分钟就断开一次。"
    "我已经恢复出厂设置，也把路由器挪离了微波炉，但还是会退回到二点四千兆赫。"
    "按住复位键十秒即可恢复出厂设置，固件版本不会改变。"
    "请在高级无线设置里检查信道宽度，较旧的设备不支持一百六十兆赫。"
    "恢复出厂设置以后，需要重新配对 Mesh 子节点。"
)


def _body(rng: random.Random, paragraphs: int) -> str:
    """A realistic Markdown answer: prose in English or Chinese, a list, a link, sometimes code."""
    parts = []
    for _ in range(paragraphs):
        if rng.random() < 0.3:
            parts.append(LOREM_ZH[rng.randrange(0, len(LOREM_ZH) - 40) :][:80])
        else:
            parts.append(". ".join(rng.sample(LOREM_EN, 3)) + ".")
    parts.insert(1, "1. Open **Settings → Wireless**\n2. Set *channel width* to `80 MHz`\n3. Save and reboot")
    if rng.random() < 0.5:
        parts.append("```sh\nssh admin@192.168.1.1 'nvram set wl1_bw=80 && reboot'\n```")
    parts.append(f"See [the release notes](https://example.com/notes/{rng.randrange(1000)}) for details.")
    return "\n\n".join(parts)


def build(sizes: list[int], *, filler_questions: int, comments_per_post: int, seed: int = 2016) -> dict:
    from django.utils import timezone

    from forum import services
    from forum.models import Product, Role, RoleAssignment, Tag, User

    try:
        from forum.limits import bypass as limits_off  # posting limits would stop a bulk build
    except ImportError:  # pragma: no cover - older trees without limits
        limits_off = contextlib.nullcontext

    rng = random.Random(seed)
    joined = timezone.now() - timedelta(days=400)
    product = Product.objects.create(
        slug="bench-router", name="Bench Router", description="A router people ask about.", language="en"
    )
    tag_names = ["wifi", "firmware", "setup", "vpn", "mesh", "5ghz", "reset", "parental-controls"]
    Tag.objects.bulk_create([Tag(product=product, name=name) for name in tag_names])
    User.objects.bulk_create(
        [User(username=f"bench{i}", display_name=f"Bench User {i}", date_joined=joined) for i in range(60)]
        + [User(username="bench-expert", display_name="Router Expert", date_joined=joined)]
        + [User(username="bench-reader", display_name="Signed-in Reader", date_joined=joined)]
        + [User(username="bench-voter", display_name="Voting Customer", date_joined=joined)]
    )
    people = list(User.objects.filter(username__regex=r"^bench\d+$").order_by("pk"))
    expert = User.objects.get(username="bench-expert")
    reader = User.objects.get(username="bench-reader")
    RoleAssignment.objects.create(user=expert, role=Role.EXPERT, product=product)

    def comment_on(post, n):
        for k in range(n):
            author = people[(post.pk + k * 7) % len(people)]
            services.comment_add(author=author, post=post, body=f"Thanks, that helped ({k}). {LOREM_EN[k % 5][:90]}")

    questions = {}
    with limits_off():
        for size in sizes:
            asker = people[size % len(people)]
            question = services.question_ask(
                author=asker,
                product=product,
                title=f"Why does the 5 GHz band drop after the update? ({size} answers)",
                body=_body(rng, 3),
                tags=rng.sample(tag_names, 3),
            )
            comment_on(question, comments_per_post)
            answers = []
            for i in range(size):
                author = expert if i % 10 == 3 else people[(i * 11 + size) % len(people)]
                if author.pk == asker.pk:
                    author = people[(people.index(asker) + 1) % len(people)]
                answer = services.answer_post(author=author, question=question, body=_body(rng, rng.randint(2, 4)))
                answers.append(answer)
                comment_on(answer, comments_per_post)
                # A few votes per answer, up and down, from people other than the author.
                for j in range(i % 4):
                    voter = people[(i * 3 + j * 17 + 5) % len(people)]
                    if voter.pk not in (author.pk,):
                        services.vote_cast(voter=voter, post=answer, value=-1 if (i + j) % 5 == 0 else 1)
                if i < 3:  # the signed-in reader has voted on a few answers, so their votes show
                    services.vote_cast(voter=reader, post=answer, value=1)
            if answers:
                services.answer_accept(user=asker, answer=answers[len(answers) // 2])
                with contextlib.suppress(Exception):  # endorsements arrived with the expert tools
                    services.answer_endorse(expert=expert, answer=answers[0], note="Confirmed on firmware 2.1.")
            questions[size] = question.pk
        for n in range(filler_questions):
            services.question_ask(
                author=people[n % len(people)],
                product=product,
                title=f"Question {n} about setting up the router",
                body=_body(rng, 2),
                tags=rng.sample(tag_names, 2),
            )
    return {
        "product_url": product.get_absolute_url(),
        "questions": questions,
        "reader_id": reader.pk,
        "voter_id": User.objects.get(username="bench-voter").pk,
    }


def _timings(fn, *, repeat: int, warmup: int, before=None) -> tuple[list[float], list[float]]:
    """Wall-clock and this thread's CPU milliseconds per call. On a busy machine the wall clock
    includes waiting for a core; the CPU time is the work Python did for the page (for SQLite
    that includes the database, for PostgreSQL the server's own work is not in it).
    ``before()``, if given, runs before each call, untimed (a write the page then shows)."""
    for _ in range(warmup):
        if before:
            before()
        fn()
    wall, cpu = [], []
    for _ in range(repeat):
        if before:
            before()
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn()
        cpu.append((time.thread_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


class _ThreadsMissed:
    """Stands in for ``forum.thread_cache.kept``: every thread is read again, as for the first
    reader after a change to the question."""

    def get(self, key):
        return None

    def set(self, key, value):
        pass

    def clear(self):
        pass


class _FragmentsMissed:
    """Stands in for the caches in ``forum.fragments``: every lookup misses, so each post's shared
    HTML is rendered again, as for the first reader after a change to the thread."""

    def __init__(self, cache):
        self._cache = cache

    def get_many(self, keys):
        return {}

    def __getattr__(self, name):
        return getattr(self._cache, name)


# Who reads, and how the page is made for them:
#   anonymous, kept page  - no session: the copy forum/page_cache.py keeps (the usual reader)
#   anonymous             - the same page rendered (kept pages off): shared fragments from the cache
#   signed in             - rendered for a customer who has voted; shared fragments from the cache
#   signed in, after a vote - the first reader after another customer voted on the page's top
#                           answer (a real vote, untimed, before every request): the thread is
#                           read again and the voted answer's HTML rendered again
#   signed in, cold       - as above, with the thread read and every shared fragment rendered
#                           again (after a deploy, and for each post's "3 minutes ago")
READERS = ("anonymous, kept page", "anonymous", "signed in", "signed in, after a vote", "signed in, cold")


def _voting(voter, page_html: str):
    """A write for the 'after a vote' reader: ``voter`` votes on the page's first answer, then
    takes the vote back, turn about (each a real vote through forum.services)."""
    import itertools
    import re

    from forum import limits, services
    from forum.models import Post

    first_answer = re.search(r'id="answer-(\d+)"', page_html)
    if first_answer is None:
        return None  # a question without answers: nothing to vote on
    answer = Post.objects.get(pk=int(first_answer.group(1)))
    values = itertools.cycle([1, 0])

    def vote():
        with limits.bypass():  # hundreds of votes from one customer: the daily limit would stop them
            services.vote_cast(voter=voter, post=answer, value=next(values))

    return vote


def measure(data: dict, *, repeat: int, big_repeat: int, show_queries: bool) -> list[dict]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.tables import median, p95
    from forum import fragments, thread_cache
    from forum.models import User

    anonymous = Client()
    signed_in = Client()
    signed_in.force_login(User.objects.get(pk=data["reader_id"]))
    clients = {"anonymous, kept page": anonymous, "anonymous": anonymous}
    clients |= {"signed in": signed_in, "signed in, after a vote": signed_in, "signed in, cold": signed_in}
    voter = User.objects.get(pk=data["voter_id"])

    pages = [("question", size, f"/q/{pk}/") for size, pk in sorted(data["questions"].items())]
    pages.append(("product list", None, data["product_url"]))
    results = []
    kept_seconds = settings.WENDAO["ANONYMOUS_PAGE_SECONDS"]
    real_cache, real_local, real_threads = fragments.cache, fragments.local_copies, thread_cache.kept
    for page, size, url in pages:
        for who in READERS:
            if page != "question" and who.endswith(("cold", "vote")):
                continue  # lists have no shared fragments
            client = clients[who]
            settings.WENDAO["ANONYMOUS_PAGE_SECONDS"] = kept_seconds if who == "anonymous, kept page" else 0
            fragments.cache = _FragmentsMissed(real_cache) if who.endswith("cold") else real_cache
            fragments.local_copies = _FragmentsMissed(real_local) if who.endswith("cold") else real_local
            thread_cache.kept = _ThreadsMissed() if who.endswith("cold") else real_threads

            def get(client=client, url=url):
                # secure=True: the request arrives as HTTPS, as behind the production proxy.
                response = client.get(url, secure=True)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} answered {response.status_code}")
                return response

            first = get()
            before = _voting(voter, first.content.decode()) if who.endswith("vote") else None
            if before:
                before()
            with CaptureQueriesContext(connection) as captured:
                response = get()
            # Read now: every request start clears the connection's query log.
            sql = [query["sql"] for query in captured.captured_queries]
            runs = big_repeat if (size or 0) >= 200 else repeat
            samples, cpu_samples = _timings(get, repeat=runs, warmup=5, before=before)
            row = {
                "page": page,
                "answers": size,
                "user": who,
                "queries": len(sql),
                "median_ms": median(samples),
                "p95_ms": p95(samples),
                "cpu_median_ms": median(cpu_samples),
                "runs": runs,
                "kilobytes": round(len(response.content) / 1024, 1),
            }
            if show_queries:
                row["sql"] = sql
            results.append(row)
            print(f"  {page:<12} {size or '':>4} {who:<20} {row['queries']:>3} queries  "
                  f"median {row['median_ms']:.1f} ms", file=sys.stderr, flush=True)  # fmt: skip
    settings.WENDAO["ANONYMOUS_PAGE_SECONDS"] = kept_seconds
    fragments.cache, fragments.local_copies, thread_cache.kept = real_cache, real_local, real_threads
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--sizes", default="1,10,50,200")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--big-repeat", type=int, default=100, help="runs for the 200-answer page")
    parser.add_argument("--filler-questions", type=int, default=40)
    parser.add_argument("--comments", type=int, default=3, help="comments on every question and answer")
    parser.add_argument("--show-queries", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    # With DEBUG off the site serves hashed static names from collectstatic's manifest; the
    # benchmark has no collectstatic run, so it serves plain names (a dictionary lookup apart).
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        sizes = [int(s) for s in args.sizes.split(",") if s]
        data = build(sizes, filler_questions=args.filler_questions, comments_per_post=args.comments)
        built = time.perf_counter()
        print(f"  data built in {built - started:.0f} s", file=sys.stderr, flush=True)
        rows = measure(data, repeat=args.repeat, big_repeat=args.big_repeat, show_queries=args.show_queries)
    from django.db import connection

    connection.close()
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"rows": rows, "build_seconds": round(built - started, 1)}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
