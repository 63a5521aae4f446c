"""What reviews say of each product, for the other capabilities through ``ai_commerce.review_insights``: ``provide``
(the assistant quotes it) gives the counted reviews of the summaries, their stars, every aspect they mention with the
sentences customers wrote about it, and the summary's pros and cons with how many reviews back each; ``standing``
(merchandising rules read it) gives many products' average score and flagged reviews in one query."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from ai_commerce.review_insights import AspectCount, Quote, ReviewInsight, Standing
from ai_commerce.tuning import tuned

from .aspects import aspect_lexicon
from .models import ProductSentiment, ReviewSentiment
from .reviews import summary_tier
from .summaries import counted_reviews
from .summary import aspect_table, summarize

#: Sentences kept per aspect: enough to quote one that answers the question.
SENTENCES_PER_ASPECT = 5


def _sentences(reviews, aspect):
    out = []
    for review in reviews:
        for sentence in ((review["aspects"] or {}).get(aspect) or {}).get("sentences") or ():
            if sentence not in out:
                out.append(sentence)
                if len(out) == SENTENCES_PER_ASPECT:
                    return tuple(out)
    return tuple(out)


def insight(reviews, tier, lexicon):
    summary = summarize(reviews)
    ratings = [r["rating"] for r in reviews if r.get("rating") is not None]
    aspects = sorted(aspect_table(reviews), key=lambda a: (-a["reviews"], a["aspect"]))
    return ReviewInsight(
        reviews=len(reviews),
        average_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
        aspects=tuple(AspectCount(a["aspect"], a["reviews"], a["positive"], a["negative"], a["of"],
                                  _sentences(reviews, a["aspect"]), tuple(lexicon.get(a["aspect"], ())))
                     for a in aspects),
        pros=tuple(Quote(q["text"], q["reviews"], q["of"]) for q in summary["pros_support"]),
        cons=tuple(Quote(q["text"], q["reviews"], q["of"]) for q in summary["cons_support"]),
        tier=tier or "",
    )


def provide(product_ids):
    """``{pk: ReviewInsight}`` of those of ``product_ids`` with published reviews (one query)."""
    tier, lexicon = summary_tier(), aspect_lexicon(tuned("SENTIMENT"))
    return {pk: insight(reviews, tier, lexicon) for pk, reviews in counted_reviews(product_ids, tier).items()}


def standing(product_ids):
    """Return {pk: Standing} of the reviewed products among ``product_ids`` (their summary and flagged reviews)."""
    flagged = (ReviewSentiment.objects.flagged().filter(product_id=OuterRef("product_id")).order_by()
               .values("product_id").annotate(n=Count("pk")).values("n"))
    rows = (ProductSentiment.objects.filter(product_id__in=list(product_ids))
            .annotate(flagged=Coalesce(Subquery(flagged, output_field=IntegerField()), 0))
            .values_list("product_id", "average_score", "review_count", "flagged"))
    return {pk: Standing(float(score), int(count), int(n)) for pk, score, count, n in rows}
