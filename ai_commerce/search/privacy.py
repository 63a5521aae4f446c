"""Forget a shopper in search: their searches (and the clicks through them)."""

from .models import SearchQuery


def forget_user(user_id):
    return SearchQuery.objects.filter(user_id=user_id).delete()[0]
