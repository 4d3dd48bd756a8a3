"""``manage.py evaluate_duplicates SOURCE``: how well "similar questions" finds real duplicates.

SOURCE is a Stack Exchange dump folder (duplicates from PostLinks.xml, LinkTypeId 3) or a
pairs file (CSV/TSV: sentence1, sentence2, label). See forum/search/evaluation.py and
docs/search.md for the method and the figures.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from forum.search.evaluation import SourceError, evaluate, load_source


class Command(BaseCommand):
    help = "Measure recall@1, recall@5 and MRR@10 of similar questions on real duplicates, beside a BM25 baseline."

    def add_arguments(self, parser):
        parser.add_argument("source", help="a Stack Exchange dump folder, or a CSV/TSV pairs file")
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, source, format="table", **options):
        try:
            corpus = load_source(source)
        except (SourceError, OSError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error
        if not corpus.queries:
            raise CommandError(f"{source} has no duplicates to evaluate.")
        with tqdm(total=len(corpus.queries), unit="query", disable=format == "json", file=self.stderr) as bar:
            report = evaluate(corpus, progress=lambda: bar.update(1))
        if format == "json":
            self.stdout.write(json.dumps(report))
            return
        self.stdout.write(
            f"{len(corpus.items)} questions, {report['queries']} duplicate queries\n\n"
            "| method | recall@1 | recall@5 | MRR@10 |\n|---|---|---|---|"
        )
        for name in ("wendao", "baseline"):
            scores = report[name]
            label = "Wendao similar questions" if name == "wendao" else "BM25 baseline"
            self.stdout.write(
                f"| {label} | {scores['recall_at_1']:.3f} | {scores['recall_at_5']:.3f} | {scores['mrr_at_10']:.3f} |"
            )
