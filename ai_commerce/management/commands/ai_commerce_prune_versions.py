from django.core.management.base import BaseCommand, CommandError

from ai_commerce.conf import app_settings
from ai_commerce.retention import keep_problem, prune_versions


def whole_number(value):
    """Parse --keep; a value that is not a number is left for ``keep_problem`` to explain in one line."""
    try:
        return int(value)
    except ValueError:
        return value


class Command(BaseCommand):
    help = ("Drop the serving rows and artifact files of old model versions, keeping the newest --keep of each kind, "
            "the active one, the one a rollback would restore and those experiments serve. The version rows stay.")

    def add_arguments(self, parser):
        parser.add_argument("--keep", type=whole_number, default=None,
                            help="Versions to keep whole per kind (default: AI_COMMERCE['KEEP_VERSIONS']).")

    def handle(self, *args, keep=None, **options):
        keep = app_settings.KEEP_VERSIONS if keep is None else keep
        problem = keep_problem(keep)
        if problem:
            raise CommandError(f"--keep: {problem}.")
        pruned = prune_versions(keep)
        for entry in pruned.versions:
            self.stdout.write(f"pruned {entry['version']}: {entry['rows']} serving rows, {entry['files']} files")
        self.stdout.write(f"{len(pruned.versions)} versions pruned: {pruned.rows} serving rows and {pruned.files} "
                          f"files removed; the newest {keep} of each kind kept.")
