"""Write flags and staff decisions back to the host shop's own review status, through the shop adapter.

The shop maps each state to one of its status values in ``AI_COMMERCE["SENTIMENT"]["HOST_STATUS"]``
(``"flagged"``, ``"approved"``, ``"hidden"``); a state mapped to ``None`` leaves the host's status alone::

    from ai_commerce.sentiment import writeback

    writeback.write_back_flags(review_sentiments)   # after scoring: hold the flagged reviews on the host
    status = writeback.host_status("hidden")        # the host's value for a decision, or None
    if status:
        writeback.set_host_status(review_keys, status)

Only the adapter and the settings are touched here: no model, no scikit-learn, so the web process may import it.
"""

from ai_commerce.adapter import get_adapter
from ai_commerce.conf import app_settings


def host_status(state):
    """Return the host's review status mapped to ``state`` ("flagged", "approved", "hidden"), or None."""
    return app_settings.SENTIMENT["HOST_STATUS"].get(state)


def set_host_status(review_keys, status):
    """Set the host's moderation status of each review (by its key) to ``status``."""
    adapter = get_adapter()
    for key in review_keys:
        adapter.set_moderation_status(key, status)


def write_back_flags(objects):
    """Give the flagged ones of these ``ReviewSentiment`` rows the host's "flagged" status, when it is mapped."""
    status = host_status("flagged")
    if not status:
        return
    adapter = get_adapter()
    for obj in objects:
        if obj.flags:
            adapter.set_moderation_status(obj.review_key, status)
