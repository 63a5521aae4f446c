"""Compose realistic synthetic review texts whose tone agrees with their stars (most of the time).

``ReviewWriter(rng).write(rating, noun, group)`` returns ``(title, body, kind)``:

* ``noun`` is what the customer bought ("wrap dress", "loafers"); plural nouns get plural grammar;
* ``group`` is one of ``GROUP_ASPECTS`` ("apparel", "accessories", "home", "beauty") and picks the
  aspects a customer talks about (nobody reviews the fit of a candle);
* ``kind`` is ``"plain"``, ``"mixed"`` (a pro and a con) or ``"mismatched"`` (the text contradicts the
  stars, as real customers sometimes do).

Aspects follow what shoppers write about: fit/size, quality, material, comfort, value, delivery,
customer service (and scent for beauty), so aspect-based sentiment has something to find.
"""

import random

# Share of reviews whose text contradicts the stars, and of mixed reviews (one pro and one con).
MISMATCH_SHARE = 0.03
MIXED_SHARE = 0.10

GROUP_ASPECTS = {
    "apparel": ("fit", "quality", "material", "comfort", "value", "delivery", "service"),
    "accessories": ("quality", "material", "value", "delivery", "service"),
    "home": ("quality", "material", "value", "delivery", "service"),
    "beauty": ("quality", "scent", "value", "delivery", "service"),
}

INTENSIFIERS = ("really", "very", "super", "so", "incredibly", "genuinely", "")
COLOURS = ("black", "navy", "cream", "olive", "rust", "grey", "blush", "forest green", "burgundy", "ivory")
SIZES = ("XS", "S", "M", "L", "XL", "8", "10", "12", "14", "16")

# Placeholders: {this} this/these, {it} it/they, {It}, {is} is/are, {was} was/were, {s} verb ending.
POSITIVE = {
    "fit": (
        "The fit is perfect, true to size.",
        "I ordered my usual size {size} and {it} fit{s} {intens} well.",
        "Fits beautifully and the length is just right.",
        "Sizing is spot on, exactly as the size guide says.",
        "Flattering cut, {it} fit{s} like {it} {was} made for me.",
    ),
    "quality": (
        "The quality is excellent for the money.",
        "Beautifully made, the finish is {intens} neat.",
        "{It} feel{s} like a high quality piece, much better than I expected.",
        "Well made and {it} {has} held up perfectly.",
        "Solid construction, no flaws anywhere.",
    ),
    "material": (
        "The fabric is soft and feels lovely against the skin.",
        "Gorgeous material, the {colour} colour is rich and exactly like the photos.",
        "Lovely thick fabric that washes well.",
        "The material is {intens} nice, {it} drape{s} beautifully.",
        "Soft, breathable fabric and the colour has not faded.",
    ),
    "comfort": (
        "{It} {is} {intens} comfortable, I could wear {them} all day.",
        "So comfy that I wore {them} straight away.",
        "Comfortable from the first wear, no breaking in needed.",
        "Light and comfortable, perfect for everyday.",
    ),
    "scent": (
        "The scent is gorgeous and lasts all day.",
        "Smells {intens} lovely, fresh and not overpowering.",
        "The texture is rich and absorbs quickly.",
        "My skin feels soft and calm after using {them}.",
    ),
    "value": (
        "Great value for the price.",
        "Worth every penny.",
        "At this price {it} {is} a bargain, I bought another in {colour}.",
        "Excellent value, {it} look{s} far more expensive than {it} {was}.",
    ),
    "delivery": (
        "Delivery was fast, {it} arrived in {fast_days} days.",
        "Arrived quickly and nicely packaged.",
        "Quick delivery and the parcel was well packed.",
        "Came the next day, great service from the courier.",
    ),
    "service": (
        "Customer service was friendly and helpful when I had a question.",
        "The support team answered my email {intens} quickly.",
        "Excellent customer service, they sorted an exchange with no fuss.",
    ),
}

NEGATIVE = {
    "fit": (
        "The sizing is way off, I had to send {them} back.",
        "Runs {intens} small, my usual size {size} was far too tight.",
        "Terrible fit, {it} {is} huge and shapeless.",
        "The cut is unflattering and the length is wrong.",
        "{It} do{es} not fit as described, the size guide is useless.",
    ),
    "quality": (
        "The quality is poor, {it} started falling apart after a week.",
        "Cheaply made, the finish is sloppy.",
        "{It} broke after two uses, very disappointing.",
        "Poor quality for the price, {it} look{s} nothing like the photos.",
        "Flimsy and badly finished, I expected much better.",
    ),
    "material": (
        "The fabric feels cheap and scratchy.",
        "Thin, see-through material, the {colour} is much duller than the photos.",
        "The material pilled after a single wash.",
        "Horrible synthetic fabric that makes me sweat.",
        "The colour faded badly and the fabric shrank.",
    ),
    "comfort": (
        "{It} {is} {intens} uncomfortable, the seams dig in.",
        "Itchy and uncomfortable, I could not wear {them} for long.",
        "Stiff and uncomfortable even after a few wears.",
        "Painful to wear, {it} rub{s} and pinch{es}.",
    ),
    "scent": (
        "The scent is overpowering and smells cheap.",
        "Smells {intens} synthetic and gave me a headache.",
        "The texture is greasy and never absorbs.",
        "{It} made my skin red and itchy.",
    ),
    "value": (
        "Overpriced for what you get.",
        "Not worth the money at all.",
        "A waste of money, I regret buying {them}.",
        "Far too expensive for such poor quality.",
    ),
    "delivery": (
        "Delivery took {slow_days} days, far longer than promised.",
        "{It} arrived late and the parcel was damaged.",
        "Shipping was slow and the tracking never updated.",
        "The courier lost my parcel and it turned up a week late.",
    ),
    "service": (
        "Customer service was useless and never answered my emails.",
        "Returning {them} was a nightmare, the support team was rude.",
        "Awful customer service, still waiting for my refund.",
    ),
}

NEUTRAL = {
    "fit": ("The fit is fine, nothing special.", "Sizing is about as expected.", "Fits okay, a bit loose."),
    "quality": ("Quality is average for the price.", "Decent enough quality, time will tell."),
    "material": ("The material is okay, a little thinner than I expected.", "The {colour} colour is as pictured."),
    "comfort": ("Comfortable enough for a few hours.", "Okay to wear, not the comfiest."),
    "scent": ("The scent is pleasant but fades quickly.", "The texture is fine, nothing special."),
    "value": ("The price is fair, I would not pay more.", "Reasonable value, nothing more."),
    "delivery": ("Delivery took {days} days, as stated.", "Arrived when expected."),
    "service": ("I did not need customer service.", "Customer service replied after a couple of days."),
}

# Home and accessories are not made of "fabric", and nobody washes a vase.
OBJECT_MATERIAL = {
    "pos": (
        "The finish is beautiful and feels solid.",
        "Gorgeous {colour} colour, exactly like the photos.",
        "Lovely materials, {it} feel{s} {intens} premium.",
    ),
    "neg": (
        "The finish feels cheap and already has scratches.",
        "The {colour} is much duller than the photos.",
        "Cheap materials, {it} feel{s} {intens} flimsy.",
    ),
    "neu": ("The finish is okay, a little plainer than pictured.", "The {colour} colour is as pictured."),
}

OPENERS = {
    "pos": (
        "Absolutely love {this} {noun}!",
        "I am {intens} happy with {this} {noun}.",
        "My new favourite {noun}.",
        "Bought {this} {noun} as a gift and she loves {them}.",
        "Second time buying {this} {noun} and I still love {them}.",
        "",
        "",
    ),
    "neg": (
        "Really disappointed with {this} {noun}.",
        "I wanted to love {this} {noun} but {it} {was} a letdown.",
        "Do not buy {this} {noun}.",
        "Very unhappy with {this} {noun}.",
        "",
        "",
    ),
    "neu": (
        "{This} {noun} {is} okay.",
        "Mixed feelings about {this} {noun}.",
        "{This} {noun} {is} fine.",
        "",
    ),
}

CLOSERS = {
    "pos": (
        "Would definitely buy again.",
        "Highly recommend!",
        "Already ordering another one.",
        "Five stars from me.",
        "",
        "",
    ),
    "neg": (
        "Sending {them} back.",
        "Would not recommend.",
        "I will not be ordering again.",
        "Save your money.",
        "",
        "",
    ),
    "neu": ("{It} will do.", "Might buy again in a sale.", "Not sure I would buy again.", ""),
}

TITLES = {
    "pos": (
        "Love it",
        "Perfect {noun}",
        "Great quality",
        "Beautiful",
        "Excellent",
        "So pretty",
        "Great value",
        "Highly recommend",
        "",
    ),
    "neg": (
        "Disappointed",
        "Poor quality",
        "Returned",
        "Not as pictured",
        "Waste of money",
        "Awful",
        "Would not recommend",
        "",
    ),
    "neu": ("Okay", "Fine", "Average {noun}", "Not bad", "As expected", ""),
    "mixed": ("Good but not perfect", "Nice {noun}, one problem", "Almost great", "Pros and cons", ""),
}

MIXED_JOINERS = ("However,", "But", "The only downside:", "On the other hand,", "Sadly,", "That said,")

SINGULAR = {
    "this": "this",
    "This": "This",
    "it": "it",
    "It": "It",
    "them": "it",
    "is": "is",
    "was": "was",
    "has": "has",
    "s": "s",
    "es": "es",
}
PLURAL = {
    "this": "these",
    "This": "These",
    "it": "they",
    "It": "They",
    "them": "them",
    "is": "are",
    "was": "were",
    "has": "have",
    "s": "",
    "es": "",
}


def tone_for_rating(rating):
    """Return the tone that agrees with the stars: ``"pos"`` (4-5), ``"neu"`` (3) or ``"neg"`` (1-2)."""
    if rating >= 4:
        return "pos"
    if rating <= 2:
        return "neg"
    return "neu"


def is_plural(noun):
    """Return whether a product noun is plural ("loafers", "sunglasses"; not "dress")."""
    last = noun.split()[-1]
    return last.endswith("s") and not last.endswith("ss")


class ReviewWriter:
    """Write review texts deterministically from a ``random.Random``."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def _fill(self, template, noun):
        if not template:
            return ""
        rng = self.rng
        text = template.format(
            noun=noun,
            intens=rng.choice(INTENSIFIERS),
            colour=rng.choice(COLOURS),
            size=rng.choice(SIZES),
            days=rng.randint(3, 7),
            fast_days=rng.randint(2, 3),
            slow_days=rng.randint(8, 21),
            **(PLURAL if is_plural(noun) else SINGULAR),
        )
        text = " ".join(text.split())  # collapse the gap left by an empty intensifier
        return text[0].upper() + text[1:]

    def _sentence(self, tone, aspect, noun, group):
        rng = self.rng
        if aspect == "material" and group in {"home", "accessories"}:
            return self._fill(rng.choice(OBJECT_MATERIAL[tone]), noun)
        bank = {"pos": POSITIVE, "neg": NEGATIVE, "neu": NEUTRAL}[tone]
        return self._fill(rng.choice(bank[aspect]), noun)

    def write(self, rating, noun, group="apparel"):
        """Return ``(title, body, kind)`` for a ``rating``-star review of a product called ``noun``."""
        rng = self.rng
        aspects = GROUP_ASPECTS[group]
        tone = tone_for_rating(rating)
        draw = rng.random()
        if draw < MISMATCH_SHARE:
            kind = "mismatched"
            tone = {"pos": "neg", "neg": "pos", "neu": rng.choice(("pos", "neg"))}[tone]
        elif draw < MISMATCH_SHARE + MIXED_SHARE:
            kind = "mixed"
        else:
            kind = "plain"

        if kind == "mixed":
            if tone == "neu":
                main, other = rng.choice((("pos", "neg"), ("neg", "pos")))
            else:
                main, other = tone, ("neg" if tone == "pos" else "pos")
            chosen = rng.sample(aspects, rng.randint(2, 3))
            sentences = [self._fill(rng.choice(OPENERS[main]), noun)]
            sentences += [self._sentence(main, aspect, noun, group) for aspect in chosen[:-1]]
            contrast = self._sentence(other, chosen[-1], noun, group)
            if not contrast.startswith("I "):
                contrast = contrast[0].lower() + contrast[1:]
            sentences.append(f"{rng.choice(MIXED_JOINERS)} {contrast}")
            title = self._fill(rng.choice(TITLES["mixed"]), noun)
        else:
            chosen = rng.sample(aspects, rng.choices((1, 2, 3), weights=(0.35, 0.45, 0.2))[0])
            sentences = [self._fill(rng.choice(OPENERS[tone]), noun)]
            sentences += [self._sentence(tone, aspect, noun, group) for aspect in chosen]
            sentences.append(self._fill(rng.choice(CLOSERS[tone]), noun))
            title = self._fill(rng.choice(TITLES[tone]), noun)
        return title, " ".join(s for s in sentences if s), kind
