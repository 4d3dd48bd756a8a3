"""Load-test fixtures for ``make bench-load``: run by ``manage.py shell`` against the served database.

Creates (once) 40 load-test customers with API tokens and writes what the load generator needs
to ``var/load/targets.json``: tokens, question and answer ids, product slugs, searches.
"""

import json
import re
from pathlib import Path

from forum.api.tokens import token_create
from forum.models import ApiToken, Post, Product, User, Vote

out = Path("var/load")
out.mkdir(parents=True, exist_ok=True)
tokens, voted = [], []
for n in range(40):
    user, _ = User.objects.get_or_create(username=f"load{n:02d}", defaults={"email": f"load{n:02d}@example.invalid"})
    ApiToken.objects.filter(user=user, name="bench-load").delete()
    tokens.append(token_create(user=user, name="bench-load")[1])
    # Votes left by an earlier run: the simulated member starts knowing them, so it takes them
    # back instead of voting twice (which the API rightly refuses with 400).
    voted.append(
        list(Vote.objects.filter(voter=user, voided_at__isnull=True).exclude(value=0).values_list("post_id", flat=True))
    )
# Open questions only (a closed one refuses answers, rightly, with 403), and answers none of the
# load-test members wrote (voting on one's own answer is refused with 400): every request the
# load generator sends is one the site should accept.
open_questions = Post.objects.visible().filter(kind="q", closed_at__isnull=True)
questions = list(open_questions.order_by("-score").values_list("pk", flat=True)[:300])
# Nor answers where a member's earlier vote was voided by the serial-voting reversal (load
# members vote on the same authors again and again, which is what it looks for): the site
# rightly refuses a second vote there.
voided = Vote.objects.filter(voter__username__startswith="load", voided_at__isnull=False).values("post_id")
answers = list(
    Post.objects.visible()
    .filter(kind="a")
    .exclude(author__username__startswith="load")
    .exclude(pk__in=voided)
    .order_by("-score")
    .values_list("pk", flat=True)[:300]
)
products = list(Product.objects.values_list("slug", flat=True))


def _typed(title: str) -> str:
    """What a reader looking for this question would type: its first few words (or characters)."""
    words = re.findall(r"\w+", title)
    if re.search(r"[\u4e00-\u9fff]", title):
        return "".join(words)[:8]
    return " ".join(words[:4])


# A query log with realistic spread: a few common searches and 200 others taken from real titles
# (every fifth question), so searches are not six queries answered from warm caches.
titles = Post.objects.visible().filter(kind="q").order_by("pk").values_list("title", flat=True)
common = ["router reset", "无法联网", "password", "恢复出厂设置", "firmware update", "wifi slow"]
searches = common + [typed for typed in (_typed(t) for t in list(titles)[::5][:200]) if typed]
targets = {
    "tokens": tokens,
    "voted": voted,
    "questions": questions,
    "answers": answers,
    "products": products,
    "searches": searches,
}
(out / "targets.json").write_text(json.dumps(targets), encoding="utf-8")
print(f"{len(tokens)} tokens, {len(questions)} questions, {len(answers)} answers, {len(searches)} searches")
print(f"products {products}")
