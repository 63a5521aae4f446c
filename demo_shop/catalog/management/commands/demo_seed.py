"""Fill the demo shop with a simulated year of trading: ``manage.py demo_seed [--seed N] [--end-date D] [--flush]``.

The history ends yesterday unless ``--end-date`` says otherwise; the same seed and end date give the same shop.
"""

import datetime as dt
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo_shop.catalog import seeding


class Command(BaseCommand):
    help = (
        "Create a realistic synthetic shop (categories, products with price history and known demand, "
        "customers in taste clusters, orders with seasonality, reviews, search sessions) deterministically from a "
        "seed, plus a staff superuser admin/admin if missing. Seeded rows are bulk-inserted, so model signals "
        "do not fire for them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument("--products", type=int, default=400, help="Number of products (default 400).")
        parser.add_argument("--customers", type=int, default=3000, help="Number of customers (default 3000).")
        parser.add_argument(
            "--order-lines", type=int, default=100_000, help="Target number of order lines (default 100000)."
        )
        parser.add_argument("--days", type=int, default=365, help="Days of history (default 365).")
        parser.add_argument(
            "--searches", type=int, default=3000,
            help="Search sessions: customers searching for what they then ordered (default 3000; 0 for none).",
        )
        parser.add_argument(
            "--end-date", default=None, metavar="YYYY-MM-DD",
            help="Last day of the history (default yesterday, so the demo is always current; pass one to get the "
                 "same shop on any day).",
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Delete existing catalog, orders, reviews and non-staff users first.",
        )

    def handle(self, *args, **options):
        for name in ("products", "customers", "order_lines", "days"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be a positive number, got {options[name]}")
        if options["searches"] < 0:
            raise CommandError(f"--searches must be 0 or more, got {options['searches']}")
        end_date = self.end_date(options["end_date"])
        config = seeding.SeedConfig(
            seed=options["seed"],
            end_date=end_date,
            products=options["products"],
            customers=options["customers"],
            order_lines=options["order_lines"],
            days=options["days"],
            searches=options["searches"],
            progress=options["verbosity"] >= 1,
        )
        started = time.perf_counter()
        try:
            simulation = seeding.simulate(config)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        with transaction.atomic():
            if seeding.demo_data_exists():
                if not options["flush"]:
                    raise CommandError("the shop already has demo data; run again with --flush to replace it")
                seeding.flush_demo_data()
            counts = seeding.write(simulation, progress=config.progress)
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{count} {label}" for label, count in counts.items())
        self.stdout.write(self.style.SUCCESS(
            f"Seeded (seed {config.seed}, history to {config.end_date:%Y-%m-%d}) in {elapsed:.1f}s: {summary}."))

        self.stdout.write(
            "Seeded rows bypass model signals: run `manage.py ai_commerce_import_history` to load them into "
            "ai_commerce's event log."
        )
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.com", "admin")
            self.stdout.write("Created staff superuser admin / password admin (change it outside a demo).")

    @staticmethod
    def end_date(value):
        """Return ``--end-date`` as a date (yesterday when absent); a bad or future date is a CommandError."""
        if value is None:
            return seeding.yesterday()
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--end-date must be a date as YYYY-MM-DD, got {value!r}") from None
        if day > seeding.yesterday() + dt.timedelta(days=1):
            raise CommandError(f"--end-date {value} is in the future; the history must end by today")
        return day
