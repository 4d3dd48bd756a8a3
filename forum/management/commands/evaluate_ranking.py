"""Measure answer ranking on a Stack Exchange dump: ``manage.py evaluate_ranking DIR [--format json]``.

Protocol and the table's meaning: docs/authority.md ("Evidence"). Reads only the dump's XML.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from forum.ranking_evaluation import METHODS, DumpError, evaluate


class Command(BaseCommand):
    help = "Compare answer-ranking methods (random, first, score, wilson, reputation, wendao) on a dump."

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", help="a Stack Exchange dump folder (Posts.xml, Votes.xml, ...)")
        parser.add_argument("--format", choices=["table", "json"], default="table")
        parser.add_argument(
            "--staff-badge",
            default="Beta",
            help="badge whose holders stand in for company staff (dumps do not say who is staff); '' for none",
        )
        parser.add_argument("--no-tune", action="store_true", help="use the default constants, skip the grid")

    def handle(self, *args, folder, format, staff_badge, no_tune, **options):
        try:
            result = evaluate(folder, staff_badge=staff_badge, tune_grid=not no_tune)
        except (DumpError, OSError) as error:
            raise CommandError(str(error)) from None
        if format == "json":
            self.stdout.write(json.dumps(result, indent=2))
            return
        q = result["questions"]
        self.stdout.write(
            f"{q['usable']} questions with an accepted answer and ≥ 2 answers by the acceptance day "
            f"({q['answers_per_question']} answers each on average); earlier half {q['earlier']}, "
            f"later half {q['later']} (from {q['split_date']}). Staff proxy: badge {q['staff_proxy']['badge']!r}, "
            f"{q['staff_proxy']['users']} users. Tuned on the earlier half: {q['tuned']['wendao']}.\n"
        )
        for half in ("later", "earlier"):
            self.stdout.write(f"\n{half} half ({q[half]} questions)\n")
            self.stdout.write(
                "| method | P@1 | 95% CI | MRR | NDCG@3 | P@1 − score (95% CI) |\n|---|---|---|---|---|---|\n"
            )
            for method in METHODS:
                m = result[half][method]
                lo, hi = m["p_at_1_ci"]
                diff = ""
                if "p_at_1_minus_score" in m:
                    dlo, dhi = m["p_at_1_minus_score_ci"]
                    diff = f"{100 * m['p_at_1_minus_score']:+.1f} ({100 * dlo:+.1f} … {100 * dhi:+.1f})"
                self.stdout.write(
                    f"| {method} | {100 * m['p_at_1']:.1f} | {100 * lo:.1f} – {100 * hi:.1f} | {m['mrr']:.3f} "
                    f"| {m['ndcg_at_3']:.3f} | {diff} |\n"
                )
