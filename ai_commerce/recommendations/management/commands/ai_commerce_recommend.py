from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ai_commerce.recommendations import serving


class Command(BaseCommand):
    help = "Show what a user is recommended now (with the shop's live filters), and why."

    def add_arguments(self, parser):
        parser.add_argument("user", help="the user's id or username")
        parser.add_argument("-k", type=int, default=10, help=f"how many (1 to {serving.MAX_K})")

    def handle(self, *args, user, k=10, **options):
        try:
            k = serving.check_k(k)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        users = get_user_model()._default_manager
        found = users.filter(pk=int(user)).first() if user.isdigit() else None
        found = found or users.filter(**{get_user_model().USERNAME_FIELD: user}).first()
        if found is None:
            raise CommandError(f"no user with id or username {user!r}")
        version = serving.active_version_id()
        self.stdout.write(f"{found} (model version {version or 'none: cold start'}):")
        for rank, item in enumerate(serving.recommended_for(found, k=k), 1):
            title = getattr(item.product, "ai_title", None) or item.product
            self.stdout.write(f"{rank:>3}. {title} (id {item.product.pk}, score {item.score:.3f}): {item.reason}")
