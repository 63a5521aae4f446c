from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ai_commerce.privacy import forget_user


class Command(BaseCommand):
    help = ("Remove everything ai_commerce holds about one user (events, recommendations, embeddings) and keep it "
            "from being derived again from their orders and reviews; the erasure is logged without personal data.")

    def add_arguments(self, parser):
        parser.add_argument("user_id", help="Primary key of the user to forget.")

    def handle(self, *args, user_id, **options):
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            raise CommandError(f"{user_id!r} is not a valid user id") from None
        removed = forget_user(pk, requested_by="command")
        if not user_model._default_manager.filter(pk=pk).exists() and not any(removed.values()):
            raise CommandError(f"no user with id {pk} and nothing stored about them")
        details = ", ".join(f"{n} {name}" for name, n in removed.items())
        self.stdout.write(f"Forgot user {pk}: removed {details}. Nothing about them will be derived again.")
