"""Forget a shopper in search: their searches (and the clicks through them), and their cached newest products."""

from . import shoppers
from .models import SearchQuery


def forget_user(user_id):
    shoppers.forget(user_id)  # their newest products, cached for the listing's taste
    return SearchQuery.objects.filter(user_id=user_id).delete()[0]
