"""``make bench-load``: a realistic mix against ``make serve`` on loopback (Debian's python3-locust).

Per simulated user: anonymous readers (most traffic: home, product, question pages, search),
bots asking the knowledge-base API, and signed-in customers (API token) who vote and answer.
Request names group the statistics by kind, so the report has one row per kind.

``LOAD_MIX=pages`` runs the readers' page views alone (no search, bots or members): the page
capacity of the stack. The default, ``mixed``, is the whole mix below.

The mix follows what a product Q&A site sees: most requests are readers arriving on a question
page (from a search engine or a link), then product lists; one reader request in ten is a
search; bots and signed-in members are a tenth of the users each. FastHttpUser (geventhttpclient)
keeps the load generator's own CPU low: it shares the two cores with the server.
"""

import itertools
import json
import os
import random
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, between, task

TARGETS = json.loads(Path("var/load/targets.json").read_text(encoding="utf-8"))
_members = itertools.cycle(zip(TARGETS["tokens"], TARGETS["voted"], strict=True))
PAGES_ONLY = os.environ.get("LOAD_MIX", "mixed") == "pages"


class Reader(FastHttpUser):
    weight = 8
    wait_time = between(0.05, 0.2)

    @task(6)
    def question(self):
        self.client.get(f"/q/{random.choice(TARGETS['questions'])}/", name="page: question")

    @task(1)
    def home(self):
        self.client.get("/", name="page: home")

    @task(2)
    def product(self):
        self.client.get(f"/p/{random.choice(TARGETS['products'])}/", name="page: product")

    @task(0 if PAGES_ONLY else 1)
    def search(self):
        self.client.get("/search/?" + urlencode({"q": random.choice(TARGETS["searches"])}), name="search")


class Bot(FastHttpUser):
    weight = 0 if PAGES_ONLY else 1
    wait_time = between(0.05, 0.2)

    @task
    def ask(self):
        query = urlencode({"q": random.choice(TARGETS["searches"])})
        self.client.get(f"/api/v1/kb/answer?{query}", name="bot API")


class Member(FastHttpUser):
    """One API token per simulated member; it remembers its votes so every request is valid."""

    weight = 0 if PAGES_ONLY else 1
    wait_time = between(0.2, 0.6)

    def on_start(self):
        token, voted = next(_members)
        self.auth = {"Authorization": f"Bearer {token}"}
        self.voted: set[int] = set(voted)

    @task(4)
    def vote(self):
        answer = random.choice(TARGETS["answers"])
        value = 0 if answer in self.voted else 1
        response = self.client.post(
            f"/api/v1/posts/{answer}/vote/", json={"value": value}, headers=self.auth, name="vote (API)"
        )
        if response.status_code and response.status_code < 400:
            (self.voted.discard if value == 0 else self.voted.add)(answer)

    @task(1)
    def answer(self):
        question = random.choice(TARGETS["questions"])
        body = f"Load test answer: restart the router, wait two minutes, then try again ({random.randint(0, 10**9)})."
        self.client.post(
            f"/api/v1/questions/{question}/answers/", json={"body": body}, headers=self.auth, name="answer (API)"
        )
