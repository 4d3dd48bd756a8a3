"""The knowledge benchmark's child process: one per database (``bench_knowledge`` starts it
with the database's environment). Migrates the throwaway database, publishes N articles (English
and Chinese, 3-6 phrasings each, Markdown answers of realistic length), then times:

- each export format over all N articles (``knowledge.exporters.export_to_path``, the code the
  command and the Celery task run), best and median of a few runs;
- the bot answer API through Django's test client, in-process (middleware, DRF, retrieval, the
  article fetch and the anonymised query log with miss grouping): questions taken from article
  phrasings (exact and reworded) and unrelated ones that become misses.

Writes its results as JSON to the path given with ``--out``.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time

TOPICS_EN = [
    ("reset", "router", "factory settings"),
    ("update", "firmware", "over the air"),
    ("connect", "printer", "wifi"),
    ("pair", "camera", "mobile app"),
    ("share", "folder", "family members"),
    ("change", "admin password", "web console"),
    ("enable", "parental controls", "kids tablet"),
    ("set up", "mesh network", "wired backhaul"),
    ("recover", "deleted files", "recycle bin"),
    ("configure", "vpn", "remote office"),
    ("extend", "warranty", "registration"),
    ("sync", "photos", "laptop"),
]
TOPICS_ZH = [
    ("重置", "路由器", "出厂设置"),
    ("升级", "固件", "自动更新"),
    ("连接", "打印机", "无线网络"),
    ("绑定", "摄像头", "手机应用"),
    ("共享", "文件夹", "家庭成员"),
    ("修改", "管理员密码", "网页后台"),
    ("开启", "家长控制", "孩子平板"),
    ("组建", "Mesh 网络", "有线回程"),
    ("恢复", "误删文件", "回收站"),
    ("设置", "VPN", "远程办公"),
    ("延长", "保修期", "注册"),
    ("同步", "照片", "电脑"),
]
MODELS = ["AX3000", "AX6000", "C2", "C3 Pro", "Home 2", "Mini", "Max", "Lite", "S1", "S2", "X9", "Q5"]
ANSWER_EN = (
    "1. Open the app and go to **Settings → {b}**.\n2. Choose *{a}* and confirm.\n3. Wait until the light turns "
    "green.\n\nIf it still fails, {a} the {b} again after a restart; the {c} keep their values. See "
    "[the manual](https://example.com/manual/{n}) for the {m}.\n\n```\nstatus --verbose {n}\n```\n"
)
ANSWER_ZH = (
    "1. 打开应用，进入 **设置 → {b}**。\n2. 选择“{a}”并确认。\n3. 等待指示灯变绿。\n\n"
    "如果仍然失败，请重启后再次{a}{b}，{c}会保留。{m} 的详细说明见[使用手册](https://example.com/manual/{n})。\n"
)


def _article_texts(i: int, rng: random.Random) -> dict:
    model = MODELS[i % len(MODELS)] + f"-{i // len(MODELS)}"
    if rng.random() < 0.5:
        a, b, c = TOPICS_EN[i % len(TOPICS_EN)]
        title = f"How do I {a} the {b} of the {model}?"
        alts = [f"{a} {b} {model}", f"{model} {b} {a} not working", f"can't {a} {b} on {model} ({c})"]
        alts += [f"{a} {b} with {c} on {model}"] * rng.randint(0, 1) + [f"{model}: {b} problem"] * rng.randint(0, 2)
        answer, locale = ANSWER_EN.format(a=a, b=b, c=c, m=model, n=i), "en"
    else:
        a, b, c = TOPICS_ZH[i % len(TOPICS_ZH)]
        title = f"{model} 怎么{a}{b}？"
        alts = [f"{model}{b}{a}失败", f"{model} 如何{a}{b}", f"{b}{a}以后{c}还在吗（{model}）"]
        alts += [f"{model}{c}问题"] * rng.randint(0, 2)
        answer, locale = ANSWER_ZH.format(a=a, b=b, c=c, m=model, n=i), "zh-hans"
    return {"title": title, "alts": alts, "answer": answer, "locale": locale}


def build(n: int, seed: int = 2026) -> dict:
    from django.utils import timezone

    from forum.models import Product, Role, RoleAssignment, User
    from forum.rendering import html_to_text, render_markdown
    from knowledge import retrieval
    from knowledge.models import Article, ArticleVersion

    rng = random.Random(seed)
    product = Product.objects.create(slug="bench-kb", name="Bench KB", language="en")
    editor = User.objects.create(username="bench-editor", display_name="KB Editor")
    RoleAssignment.objects.create(user=editor, role=Role.KNOWLEDGE_EDITOR)
    now = timezone.now()
    articles, phrasings = [], []
    for i in range(n):
        t = _article_texts(i, rng)
        html = render_markdown(t["answer"])
        article = Article(
            product=product,
            title=t["title"],
            alt_questions=t["alts"],
            answer_markdown=t["answer"],
            answer_html=html,
            answer_text=html_to_text(html),
            tags=["bench", t["locale"]],
            locale=t["locale"],
            endorsed_by=["Router Expert"],
            authority=round(rng.random(), 3),
            published_at=now,
            updated_at=now,
        )
        article.search_tokens = retrieval.article_tokens(article.phrasings)
        article.slug = ""
        articles.append(article)
        phrasings.append((t["title"], t["alts"], t["locale"]))
    for article in articles:
        from django.utils.text import slugify

        article.slug = (slugify(article.title, allow_unicode=True) or "article")[:80]
    Article.objects.bulk_create(articles, batch_size=1000)
    ArticleVersion.objects.bulk_create(
        [
            ArticleVersion(
                article=a, number=1, title=a.title, alt_questions=a.alt_questions, answer_markdown=a.answer_markdown,
                tags=a.tags, locale=a.locale, editor=editor,
            )
            for a in Article.objects.filter(product=product)
        ],
        batch_size=1000,
    )  # fmt: skip
    return {"product": product.slug, "phrasings": phrasings}


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2),
        "max_ms": round(ordered[-1], 2),
        "runs": len(ordered),
    }


def measure_exports(repeat: int) -> list[dict]:
    from knowledge import exporters

    rows = []
    with tempfile.TemporaryDirectory(prefix="wendao-kb-export-") as folder:
        for fmt in exporters.FORMATS:
            samples, cpu, size, digests = [], [], 0, set()
            for k in range(repeat):
                path = os.path.join(folder, f"{fmt}-{k}")
                started, cpu_started = time.perf_counter(), time.process_time()
                result = exporters.export_to_path(fmt, path)
                samples.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                size, count = result.size, result.count
                digests.add(result.sha256)
            rows.append(
                {
                    "format": fmt,
                    "articles": count,
                    "best_s": round(min(samples), 2),
                    "median_s": round(statistics.median(samples), 2),
                    # CPU time of this process: the work itself, without waiting for a busy CPU.
                    "cpu_s": round(statistics.median(cpu), 2),
                    "bytes": size,
                    "reproducible": len(digests) == 1,
                    "runs": repeat,
                }
            )
    return rows


def _reword(text: str, rng: random.Random) -> str:
    words = text.split()
    if len(words) > 3:
        words.pop(rng.randrange(len(words)))
        rng.shuffle(words)
    return " ".join(words) if words else text


def measure_bot(data: dict, queries: int) -> list[dict]:
    from django.test import Client

    from knowledge import retrieval

    rng = random.Random(7)
    client = Client()
    url = "/api/v1/kb/answer"
    product = data["product"]
    unrelated = [
        "does it support dark mode on the smart watch",
        "what is the return policy for opened boxes",
        "洗衣机的滤网多久清洗一次",
        "can I pay with gift cards in the store",
        "电视机的遥控器没反应怎么办",
    ]
    kinds = {"exact": [], "reworded": [], "miss": []}
    for i in range(queries):
        title, alts, locale = rng.choice(data["phrasings"])
        roll = i % 5
        if roll < 2:
            kind, q = "exact", rng.choice([title, *alts])
        elif roll < 4:
            kind, q = "reworded", _reword(rng.choice([title, *alts]), rng)
        else:
            kind, q = "miss", rng.choice(unrelated) + f" {rng.randrange(1000)}x"
        kinds[kind].append((q, locale))
    # The cold start: the first question after a publish builds the process's index.
    retrieval.INDEX.clear()
    started = time.perf_counter()
    client.get(url, {"q": "reset router", "product": product}, secure=True)
    cold_ms = (time.perf_counter() - started) * 1000
    for q, _locale in kinds["exact"][:20]:  # warm-up
        client.get(url, {"q": q, "product": product}, secure=True)
    rows, everything, all_cpu, answered = [], [], [], 0
    for kind, items in kinds.items():
        samples, cpu = [], []
        for q, _locale in items:
            params = {"q": q, "product": product}
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url, params, secure=True)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200, response.content[:300]
            answered += response.json()["answered"] and kind != "miss"
        everything += samples
        all_cpu += cpu
        rows.append({"queries": kind, **_stats(samples), "cpu_median_ms": round(statistics.median(cpu), 2)})
    rows.append({"queries": "all", **_stats(everything), "cpu_median_ms": round(statistics.median(all_cpu), 2)})
    hit_rate = answered / (len(kinds["exact"]) + len(kinds["reworded"]))
    return rows, round(cold_ms, 1), round(hit_rate, 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--export-repeat", type=int, default=3)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["KB_BOT_ANON_RATE"] = ""  # the benchmark sends more than an anonymous bot may
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    data = build(args.articles)
    built = time.perf_counter()
    print(f"  {args.articles} articles built in {built - started:.0f} s", file=sys.stderr, flush=True)
    exports = measure_exports(args.export_repeat)
    bot, cold_ms, hit_rate = measure_bot(data, args.queries)
    from django.db import connection

    connection.close()
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(
            {
                "exports": exports,
                "bot": bot,
                "cold_ms": cold_ms,
                "hit_rate": hit_rate,
                "build_seconds": round(built - started, 1),
            },
            out,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
