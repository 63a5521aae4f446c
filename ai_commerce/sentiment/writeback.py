"""Write flags and staff decisions back to the host shop's own review status, through the shop adapter.

The shop maps each state to one of its status values in ``AI_COMMERCE["SENTIMENT"]["HOST_STATUS"]``
(``"flagged"``, ``"approved"``, ``"hidden"``); a state mapped to ``None`` leaves the host's status alone::

    from ai_commerce.sentiment import writeback

    writeback.write_back_flags(review_sentiments, decided)   # when scoring: hold the flagged reviews on the host
    status = writeback.host_status("hidden")                 # the host's value for a decision, or None
    if status is not None:                                   # 0 is a status too
        writeback.set_host_status(review_keys, status)

``HOST_STATUS["published"]`` names the host's values that shoppers see; it is read, never written (see
``published``).

Only the adapter, the settings and the publishing rule are touched here: no scikit-learn, so the web process may
import it.
"""

from ai_commerce.adapter import get_adapter
from ai_commerce.conf import app_settings

from .published import HOLDING_FLAGS


def host_status(state):
    """Return the host's review status mapped to ``state`` ("flagged", "approved", "hidden"), or None when unmapped."""
    return app_settings.SENTIMENT["HOST_STATUS"].get(state)


def set_host_status(review_keys, status):
    """Set the host's moderation status of each review (by its key) to ``status``."""
    adapter = get_adapter()
    for key in review_keys:
        adapter.set_moderation_status(key, status)


def write_back_flags(objects, decided=()):
    """Give the held ones of these ``ReviewSentiment`` rows (a flag of ``HOLDING_FLAGS``: abusive, spam) the host's
    "flagged" status, when it is mapped, and record it in their ``host_status``. A tone flag (strongly negative,
    rating mismatch) never holds a review back on the host either: bad reviews are not suppressed.

    Scoring again never undoes a decision: reviews that staff approved or hid here (``decided``, their review keys)
    and reviews the host has hidden keep their status."""
    status, hidden = host_status("flagged"), host_status("hidden")
    if status is None:
        return
    held = [obj for obj in objects if not HOLDING_FLAGS.isdisjoint(obj.flags or ()) and obj.review_key not in decided
            and (hidden is None or str(obj.host_status) != str(hidden))]
    set_host_status([obj.review_key for obj in held], status)
    for obj in held:
        obj.host_status = status
