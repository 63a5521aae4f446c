from django.utils.translation import gettext_lazy as _

from ai_commerce import capabilities


class SearchConfig(capabilities.CapabilityConfig):
    name = "ai_commerce.search"
    label = "ai_commerce_search"
    verbose_name = _("AI search")
    kind = "search"
    kind_label = _("search")
    settings_key = "SEARCH"
    settings_defaults = "ai_commerce.search.conf.DEFAULTS"
    settings_check = "ai_commerce.search.checks.check_search_settings"
    tunable = ("MIN_SESSIONS", "HOLDOUT_SHARE", "ATTRIBUTION_DAYS", "RERANK_DEPTH")
    trainer = "ai_commerce.search.training.train"
    # Searches and their clicks name the signed-in shopper who made them.
    forgetter = "ai_commerce.search.privacy.forget_user"
    # The index is rebuilt (and the ranking judged again) each night; a shop that adds products during the day can
    # add a more frequent run from the admin's periodic tasks.
    schedules = {"ai_commerce: rebuild search index and ranking nightly": "45 2 * * *"}
    key_metrics = ("ndcg_at_10", "mrr", "lexical_ndcg_at_10", "lexical_popularity_ndcg_at_10")
    dashboard_panel = "ai_commerce.search.dashboard.panel"
    dashboard_template = "admin/ai_commerce_search/dashboard_panel.html"
    urls = "ai_commerce.search.urls"
    # Which products a shopper's words name (typos, stems and synonyms as search reads them), for the assistant
    # through ai_commerce.product_lookup.
    product_lookup = "ai_commerce.search.lookup.find"
    # Search results and re-ranked listings, for the merchandising preview (ai_commerce.arrangement.ranked).
    ranked_lists = "ai_commerce.search.previews.ranked"

    def connect(self):
        from ai_commerce import events

        from . import shoppers

        events.events_recorded.connect(shoppers.events_recorded, dispatch_uid="ai_commerce_search_newest_products")
