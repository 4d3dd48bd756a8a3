"""Find and reverse serial voting: ``manage.py reverse_serial_votes [--product SLUG] [--dry-run]``."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from forum.models import Product, Vote
from forum.voting_fraud import VoteRow, find_cases, reverse_serial_votes, thresholds


class Command(BaseCommand):
    help = "Void bursts and rings of votes (thresholds in settings.WENDAO_SERIAL_VOTING) and log them."

    def add_arguments(self, parser):
        parser.add_argument("--product", metavar="SLUG", help="only this product")
        parser.add_argument("--dry-run", action="store_true", help="list the cases without voiding anything")

    def handle(self, *args, product=None, dry_run=False, **options):
        product_id = None
        if product:
            product_id = Product.objects.filter(slug=product).values_list("pk", flat=True).first()
            if product_id is None:
                raise CommandError(f"No product with the slug {product!r}.")
        if dry_run:
            t = thresholds()
            votes = Vote.objects.filter(
                voided_at__isnull=True,
                voter__isnull=False,
                author__isnull=False,
                created_at__gte=timezone.now() - timedelta(days=t.lookback_days),
            )
            if product_id:
                votes = votes.filter(product_id=product_id)
            rows = [VoteRow(*v) for v in votes.values_list("id", "voter_id", "author_id", "product_id", "created_at")]
            cases = find_cases(rows, t)
            for case in cases:
                self.stdout.write(
                    f"{case.kind}: user {case.voter_id} -> user {case.author_id}, {len(case.vote_ids)} votes"
                )
            self.stdout.write(f"{len(cases)} case(s) would be reversed.")
            return
        reversals = reverse_serial_votes(product_id=product_id)
        for r in reversals:
            self.stdout.write(f"{r.kind}: user {r.voter_id} -> user {r.author_id}, {r.vote_count} votes voided")
        self.stdout.write(f"{len(reversals)} case(s) reversed.")
