"""Import the UCI Online Retail CSV: ``manage.py import_online_retail PATH [--limit N]``."""

from django.core.management.base import BaseCommand, CommandError

from demo_shop.orders.online_retail import ImportFileError, import_online_retail


class Command(BaseCommand):
    help = (
        "Import the UCI Online Retail data set (CSV, gzipped or plain) as customers 'retail-<CustomerID>', "
        "products (SKU = StockCode, price = latest UnitPrice; the cost is unknown and set to 60% of the "
        "price, the stock to 100), orders (one per InvoiceNo), order lines and price history. Skips and "
        "counts cancellations, rows without CustomerID, Quantity <= 0, UnitPrice <= 0 and unparseable "
        "values. Running it again adds nothing: existing invoices and products are left alone. "
        "Rows are bulk-inserted, so model signals do not fire for them."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Path to online_retail.csv or online_retail.csv.gz.")
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="Read at most N data rows (finishing the invoice in progress).",
        )

    def handle(self, *args, **options):
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError(f"--limit must be a positive number, got {limit}")
        try:
            result = import_online_retail(options["path"], limit=limit, progress=options["verbosity"] >= 1)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(result.summary()))
        if result.created["order lines"]:
            self.stdout.write(
                "Imported rows bypass model signals: run `manage.py ai_commerce_import_history` to load them "
                "into ai_commerce's event log."
            )
