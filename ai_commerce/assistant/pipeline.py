"""The answer pipeline: ``respond(text, user_id=..., email=..., page_product_id=...) -> Answer``.

1. A request for a person, or anger, hands over at once; so does a question on an FAQ entry staff marked sensitive.
2. A message with several questions is split, and each is answered on its own.
3. Each question's intent comes from the classifier; below the confidence threshold, an FAQ entry that matches well
   may still answer it, and otherwise the assistant says it does not know and offers a human.
4. The answerer of the intent answers from rows (``answerers``), with its sources, or says it does not know.
5. An optional rephrase hook (``ASSISTANT["REPHRASE"]``) may reword an answer from the rows it was built from.
"""

import re
from dataclasses import dataclass, field

from ai_commerce.adapter import get_adapter
from ai_commerce.tuning import tuned

from . import answerers, checks, intents, knowledge, orders
from .answers import ANSWERED, HANDOVER, SMALL_TALK, UNKNOWN, Answer, dont_know, handover
from .conf import DEFAULTS
from .text import normalize, words

SPLIT = re.compile(r"[?!]+|\.\s+(?=[A-Z])|;|\balso\b", re.IGNORECASE)
HUMAN_PHRASES = ("real person", "a human", "speak to someone", "talk to someone", "speak to a person",
                 "talk to a person", "speak to a manager", "customer service", "an agent", "real human",
                 "speak with someone", "speak to staff", "talk to staff", "a person please", "human please")


@dataclass
class Question:
    text: str
    message: str
    user_id: int | None = None
    email: str | None = None
    product: object = None
    product_ambiguous: list = field(default_factory=list)


def angry(message, anger_words):
    """Whether ``message`` reads as angry: one of ``anger_words``, or shouting (three or more words in capitals)."""
    text = " " + " ".join(words(message)) + " "
    if any(f" {normalize(w)} " in text for w in anger_words):
        return True
    shouted = [w for w in re.findall(r"[A-Za-z]{3,}", message) if w.isupper()]
    return len(shouted) >= 3 or "!!!" in message


def asks_for_person(message):
    text = " " + " ".join(words(message)) + " "
    return any(f" {p} " in text for p in HUMAN_PHRASES)


def split_questions(message):
    parts = [p.strip(" ,.-") for p in SPLIT.split(message)]
    parts = [p for p in parts if len(words(p)) >= 1]
    return parts or [message.strip()]


def load_product(product_id):
    if product_id is None:
        return None
    adapter = get_adapter()
    return adapter.products(adapter.get_product_queryset().filter(pk=product_id)).first()


def resolve_product(part, message, page_product_id):
    """The product a question is about: one it names, else one the whole message names, else the page's."""
    titles = knowledge.title_index()
    for text in (part, message):
        found = titles.find(text)
        if len(found) == 1:
            return load_product(found[0]), []
        if len(found) > 1 and page_product_id not in found:
            return None, [titles.titles[pk] for pk in found]
        if len(found) > 1:
            return load_product(page_product_id), []
    return load_product(page_product_id), []


def respond(message, *, user_id=None, email=None, page_product_id=None):
    """Answer one shopper message (see the module docstring)."""
    conf = tuned("ASSISTANT")
    message = (message or "").strip()
    if asks_for_person(message):
        return handover("asked for a person", intents.HUMAN, 1.0)
    anger_words = conf["ANGER_WORDS"] if checks.anger_words_valid(conf["ANGER_WORDS"]) else DEFAULTS["ANGER_WORDS"]
    if angry(message, anger_words):
        return handover("the shopper is upset", "", 1.0)
    model = knowledge.classifier()
    threshold = max(conf["CONFIDENCE_THRESHOLD"], getattr(model, "threshold", 0.0))
    parts = split_questions(message)
    parts = [p for p in parts if not is_context(p)] or parts  # the e-mail or number is read from the whole message
    answers = [answer_part(part, message, model, threshold, conf, user_id, email, page_product_id) for part in parts]
    if len(answers) > 1:
        answers = [a for a in answers if a.outcome != SMALL_TALK] or answers[:1]
    answer = combine(answers)
    hook = checks.rephraser(conf.get("REPHRASE")) if conf.get("REPHRASE") else None  # W098 names a broken one
    if hook is not None and answer.outcome == ANSWERED:
        answer.text = str(hook(answer.text, [dict(r) for r in answer.rows]) or answer.text)
    return answer


CLAUSE = re.compile(r",|\band\b|\bbut\b|\bso\b", re.IGNORECASE)
LONG = 12
SMALL_TALK_INTENTS = (intents.GREETING, intents.THANKS)


def classify(model, text):
    """The intent of ``text`` without the product names it holds; a long question the classifier is unsure of is
    read clause by clause, and its most confident clause says what is asked."""
    text = knowledge.title_index().without_titles(text)
    intent, confidence = model.predict(text)
    if len(words(text)) > LONG:
        clauses = [c for c in CLAUSE.split(text) if len(words(c)) >= 2]
        for clause in clauses:
            found = model.predict(clause)
            # A greeting opens a long question; it is never what the question asks.
            if found[0] not in SMALL_TALK_INTENTS and (found[1] > confidence or intent in SMALL_TALK_INTENTS):
                intent, confidence = found
    return intent, confidence


def is_context(part):
    """A sentence that only gives an e-mail or an order number ("my email is ann@example.com")."""
    rest = [w for w in words(orders.EMAIL.sub(" ", part)) if w not in ("my", "email", "e", "mail", "is", "address",
                                                                       "order", "number", "it", "s", "the")]
    return bool(orders.quoted_email(part) or orders.quoted_number(part)) and len(rest) <= 1


def answer_part(part, message, model, threshold, conf, user_id, email, page_product_id):
    intent, confidence = classify(model, part)
    faq = knowledge.faq_index().search(part, k=1)
    if faq and faq[0][0].sensitive and faq[0][1] >= conf["RETRIEVAL_MIN_COVERAGE"]:
        return handover(f"sensitive topic: {faq[0][0].title}", intent, confidence)
    if intent == intents.HUMAN and confidence >= threshold:
        return handover("asked for a person", intent, confidence)
    if orders.quoted_number(part) and "order" in words(part):
        # "order 1234?" is about that order, whatever the words around it: the number is the reference.
        intent = intent if intent in intents.ORDER_INTENTS else intents.ORDER_STATUS
        confidence = max(confidence, threshold)
    question = Question(part, message, user_id, email)
    if confidence < threshold:
        unsure = min(1.0, conf["RETRIEVAL_MIN_COVERAGE"] * 1.75)
        found = answerers.answer_policy(question, intents.POLICY, confidence, unsure)
        return found or dont_know(intent, confidence, "not confident what was asked")
    if intent in intents.ORDER_INTENTS:
        question.text = message  # the number and e-mail may sit in another sentence of the message
        return answerers.answer_order(question, intent, confidence)
    if intent in intents.PRODUCT_INTENTS:
        question.product, question.product_ambiguous = resolve_product(part, message, page_product_id)
        return answerers.answer_product(question, intent, confidence)
    if intent == intents.POLICY:
        found = answerers.answer_policy(question, intent, confidence, conf["RETRIEVAL_MIN_COVERAGE"])
        return found or dont_know(intent, confidence, "no FAQ entry answers it")
    if intent in answerers.SMALL_TALK_REPLIES:
        return answerers.answer_small_talk(intent, confidence)
    return dont_know(intent, confidence)


def combine(answers):
    """One answer of several: a handover wins; otherwise the texts and sources in order."""
    if len(answers) == 1:
        return answers[0]
    for answer in answers:
        if answer.outcome == HANDOVER:
            return answer
    outcome = ANSWERED if any(a.outcome == ANSWERED for a in answers) else UNKNOWN
    sources, seen = [], set()
    for answer in answers:
        for source in answer.sources:
            if (source.kind, source.label) not in seen:
                seen.add((source.kind, source.label))
                sources.append(source)
    return Answer(" ".join(a.text for a in answers), outcome, answers[0].intent,
                  min((a.confidence for a in answers if a.confidence is not None), default=None), sources,
                  [r for a in answers for r in a.rows])
