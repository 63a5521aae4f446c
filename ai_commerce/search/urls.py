from django.urls import path

from .api import SearchView, SuggestView
from .clicks import click

urlpatterns = [
    path("api/search/", SearchView.as_view(), name="search"),
    path("api/search/suggest/", SuggestView.as_view(), name="search-suggest"),
    path("s/", click, name="search-click"),
]
