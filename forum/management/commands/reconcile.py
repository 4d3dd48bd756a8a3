"""``manage.py reconcile [--fix] [--product SLUG]``: counters and scores against the rows.

Exit status 0 when there is no drift (or it was fixed), 1 when drift was found and left alone,
so a cron job or a monitoring check can alert on it.
"""

from django.core.management.base import BaseCommand, CommandError

from forum.models import Product
from forum.reconcile import COUNTERS, reconcile


class Command(BaseCommand):
    help = "Recompute every counter, score and the authority index from the rows and report (or --fix) drift."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="write the recomputed values")
        parser.add_argument("--product", metavar="SLUG", help="only this product")

    def handle(self, *args, fix=False, product=None, **options):
        product_id = None
        if product:
            product_id = Product.objects.filter(slug=product).values_list("pk", flat=True).first()
            if product_id is None:
                raise CommandError(f"No product with the slug {product!r}.")
        report = reconcile(fix=fix, product_id=product_id)
        self.stdout.write(f"Checked {report.posts_checked} posts.")
        for name in COUNTERS:
            self.stdout.write(f"  {name:<20} {report.drift[name]} posts off")
        self.stdout.write(
            f"  {'authority index':<20} {report.authority_rows} authority rows, {report.rank_posts} posts' ranks off"
        )
        for pk, name, stored, true in report.examples:
            self.stdout.write(f"  post {pk}: {name} stored {stored}, rows say {true}")
        if not report.total:
            self.stdout.write(self.style.SUCCESS("No drift."))
        elif fix:
            self.stdout.write(self.style.SUCCESS(f"Fixed {report.total} drifted values."))
        else:
            self.stdout.write(self.style.WARNING(f"Drift: {report.total} values. Run with --fix to correct them."))
            raise SystemExit(1)
