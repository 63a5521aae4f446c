"""One small answerer per kind of question, as Django's authentication backends: each is asked in turn and returns
an ``Answer`` built from rows, with its sources, or None to pass.

An answerer's contract: ``answer(question, intent, confidence) -> Answer | None``. It answers only from a row it
read (an order, a product, an FAQ entry, published reviews); with no such row it returns "I don't know".
"""

from django.utils import formats
from django.utils.translation import gettext as _

from ai_commerce import review_insights, stock_outlook
from ai_commerce.adapter import get_adapter
from ai_commerce.prices import format_price

from . import intents, knowledge, orders
from .answers import ANSWERED, SMALL_TALK, Answer, Source, dont_know, handover
from .retrieval import terms


def _date(value):
    return formats.date_format(value, "j F Y") if value else ""


def order_source(order):
    return Source("order", _("Order %(number)s") % {"number": order.number}, order.url)


def answer_order(question, intent, confidence):
    lookup = orders.find(question.text, question.user_id, question.email)
    if lookup.order is None:
        return Answer(lookup.problem, "unknown", intent, confidence)
    order = lookup.order
    adapter = get_adapter()
    row = {"number": order.number, "status": str(order.status or ""), "placed": _date(order.created),
           "shipped": _date(order.shipped), "tracking": order.tracking}
    source = order_source(order)
    if intent == intents.ORDER_ITEMS:
        items = adapter.order_items([order.pk]).get(order.pk, [])
        names = knowledge.product_titles([pid for pid, _qty in items])
        listed = ", ".join(f"{qty} x {names.get(pid, pid)}" for pid, qty in items) or _("no items")
        text = _("Order %(number)s, placed on %(placed)s, has: %(items)s.") % {**row, "items": listed}
        return Answer(text, ANSWERED, intent, confidence, [source], [{**row, "items": listed}])
    if intent == intents.TRACKING:
        if order.tracking:
            text = _("The tracking number of order %(number)s is %(tracking)s.") % row
        else:
            text = _("Order %(number)s has no tracking number yet; the shop adds one when it ships.") % row
        return Answer(text, ANSWERED, intent, confidence, [source], [row])
    parts = [_("Order %(number)s was placed on %(placed)s.") % row]
    if row["status"]:
        parts.append(_("Its status is: %(status)s.") % row)
    if row["shipped"]:
        parts.append(_("It was shipped on %(shipped)s.") % row)
    if row["tracking"]:
        parts.append(_("Tracking number: %(tracking)s.") % row)
    if not (row["status"] or row["shipped"]):
        parts.append(_("The shop has received it; there is no shipping update on it yet."))
    return Answer(" ".join(parts), ANSWERED, intent, confidence, [source], [row])


def product_source(product):
    url = product.get_absolute_url() if hasattr(product, "get_absolute_url") else ""
    return Source("product", str(getattr(product, "ai_title", None) or product), url)


def answer_product(question, intent, confidence):
    product = question.product
    if product is None:
        if question.product_ambiguous:
            return Answer(_("Which product do you mean? Several match: %(names)s.")
                          % {"names": ", ".join(question.product_ambiguous[:5])}, "unknown", intent, confidence)
        return Answer(_("Which product do you mean? Ask me from its page, or give me its name."), "unknown",
                      intent, confidence)
    title = str(getattr(product, "ai_title", "") or product)
    source = product_source(product)
    row = {"product": title}
    if intent in (intents.STOCK, intents.RESTOCK):
        stock = getattr(product, "ai_stock", None)
        if stock is None:
            return dont_know(intent, confidence, "the shop maps no stock", [source])
        active = getattr(product, "ai_active", True)
        row["stock"] = stock
        if stock > 0 and active is not False:
            return Answer(_("Yes, %(product)s is in stock (%(stock)s available).") % row, ANSWERED, intent,
                          confidence, [source], [row])
        outlook = stock_outlook.for_products([product.pk]).get(product.pk)
        back = outlook.arrives_on if outlook else None  # a delivery staff ordered: evidence; a lead time alone is not
        if back:
            row["back"] = _date(back)
            return Answer(_("%(product)s is out of stock just now; we expect it back around %(back)s.") % row,
                          ANSWERED, intent, confidence, [source], [row])
        text = _("%(product)s is out of stock just now, and I don't know when it will be back. Would you like "
                 "me to ask a member of staff?") % row
        # Whether it is in stock is answered; when it is back is not.
        return Answer(text, ANSWERED if intent == intents.STOCK else "unknown", intent, confidence, [source], [row])
    if intent == intents.PRICE:
        price = getattr(product, "ai_price", None)
        if price is None:
            return dont_know(intent, confidence, "no price", [source])
        row["price"] = format_price(price)
        return Answer(_("%(product)s costs %(price)s.") % row, ANSWERED, intent, confidence, [source], [row])
    if intent == intents.CATEGORY:
        category = getattr(product, "ai_category", None)
        if not category:
            return dont_know(intent, confidence, "no category", [source])
        row["category"] = str(category)
        return Answer(_("%(product)s is in %(category)s.") % row, ANSWERED, intent, confidence, [source], [row])
    if intent == intents.REVIEWS:
        return answer_reviews(question, product, source, confidence)
    description = str(getattr(product, "ai_description", "") or "")
    if not description:
        return dont_know(intent, confidence, "no description", [source])
    row["description"] = description
    return Answer(_("%(product)s: %(description)s") % row, ANSWERED, intent, confidence, [source], [row])


def published(row):
    allowed = {str(s) for s in settings_statuses()}
    return row.moderation_status is None or not allowed or str(row.moderation_status) in allowed


def settings_statuses():
    from ai_commerce.conf import app_settings

    fixed = get_adapter().published_review_statuses
    return fixed if fixed is not None else app_settings.ASSISTANT["PUBLISHED_REVIEW_STATUSES"] or []


GENERIC_REVIEW_WORDS = {"review", "say", "customer", "think", "good"}


def answer_reviews(question, product, source, confidence):
    """How many published reviews and stars (read live through the adapter), and what customers say: through the
    sentiment capability's counts when it is installed (``ai_commerce.review_insights``: the aspect asked about, or
    its pros and cons, each with how many reviews back it), else sentences of the reviews that hold the question's
    words."""
    rows = [r for r in get_adapter().reviews(product_ids=[product.pk]) if published(r) and r.rating is not None]
    title = source.label
    if not rows:
        return Answer(_("%(product)s has no published reviews yet.") % {"product": title}, ANSWERED,
                      intents.REVIEWS, confidence, [source], [{"product": title, "reviews": 0}])
    average = sum(r.rating for r in rows) / len(rows)
    asked = set(terms(question.text)) - set(terms(title)) - GENERIC_REVIEW_WORDS
    row = {"product": title, "reviews": len(rows), "average": f"{average:.1f}"}
    text = _("%(product)s has %(reviews)s published reviews, %(average)s of 5 stars on average.") % row
    insight = review_insights.for_products([product.pk]).get(product.pk)
    said = _insight_said(insight, asked, row) if insight else None
    if said is None:
        said = _quotes_said(rows, asked, row)
    if said:
        text += " " + said
    reviews_source = Source("reviews", _("Reviews of %(product)s") % row, f"{source.url}#reviews" if source.url
                            else "")
    return Answer(text, ANSWERED, intents.REVIEWS, confidence, [reviews_source, source], [row])


def _quotes_said(rows, asked, row):
    """Up to two sentences of the reviews that hold the question's words, else the best-rated review's."""
    sentences = [(s.strip(), r) for r in rows for s in f"{r.title}. {r.text}".split(".") if len(s.strip()) > 15]
    matching = [(s, r) for s, r in sentences if asked & set(terms(s))]
    chosen = matching[:2] or [max(sentences, key=lambda p: (p[1].rating, p[1].pk))] if sentences else []
    row["quotes"] = " ".join(f"\u201c{s}\u201d ({r.rating}/5)" for s, r in chosen)
    return _("Customers say: %(quotes)s") % row if chosen else ""


def _names(aspect, asked):
    """Whether the question's words name the aspect: its name, or one of its keywords, every word of it."""
    return any((wanted := set(terms(k))) and wanted <= asked for k in (aspect.aspect, *aspect.keywords))


def _insight_said(insight, asked, row):
    """What the insight says to the question: the aspect it names with its counts and a sentence about it, else the
    pros and cons with their support; None when the insight has nothing to say."""
    aspect = next((a for a in insight.aspects if _names(a, asked)), None)
    if aspect is not None:
        quote = next((s for s in aspect.sentences if asked & set(terms(s))), None) or next(iter(aspect.sentences), "")
        row.update(aspect=aspect.aspect, mentions=aspect.mentions, of=aspect.of, positive=aspect.positive,
                   negative=aspect.negative, quote=quote)
        said = _("%(mentions)s of %(of)s reviews mention %(aspect)s: %(positive)s positively, %(negative)s "
                 "negatively.") % row
        return f"{said} \u201c{quote}\u201d" if quote else said
    quoted = [*insight.pros[:1], *insight.cons[:1]]
    if not quoted:
        return None
    row["quotes"] = " ".join(_("\u201c%(text)s\u201d (%(reviews)s of %(of)s reviews agree)")
                             % {"text": q.text, "reviews": q.reviews, "of": q.of} for q in quoted)
    return _("Customers say: %(quotes)s") % row


def answer_policy(question, intent, confidence, min_score):
    found = knowledge.faq_index().search(question.text, k=1)
    if not found or found[0][1] < min_score:
        return None
    entry, _score = found[0]
    if entry.sensitive:
        return handover(f"sensitive topic: {entry.title}", intent, confidence)
    source = Source("faq", entry.title, entry.link)
    return Answer(entry.answer, ANSWERED, intents.POLICY, confidence, [source],
                  [{"question": entry.title, "answer": entry.answer}])


SMALL_TALK_REPLIES = {
    intents.GREETING: "Hello! Ask me about your order, a product, delivery or returns.",
    intents.THANKS: "You're welcome! Anything else I can help with?",
}


def answer_small_talk(intent, confidence):
    return Answer(_(SMALL_TALK_REPLIES[intent]), SMALL_TALK, intent, confidence)
