import pytest

from ai_commerce.assistant import knowledge
from ai_commerce.assistant.models import FaqEntry
from tests.factories import (
    ItemFactory,
    PurchaseFactory,
    SaleLineFactory,
    SectionFactory,
    StockRecordFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def fresh_knowledge(settings):
    settings.AI_COMMERCE = {**settings.AI_COMMERCE, "ASSISTANT": {"PUBLISHED_REVIEW_STATUSES": ["visible"]}}
    knowledge.clear()
    yield
    knowledge.clear()


@pytest.fixture
def shop(db):
    """Two shoppers with an order each, two products (one sold out) and a returns FAQ entry."""
    ann = UserFactory(username="ann", email="ann@example.com")
    bob = UserFactory(username="bob", email="bob@example.com")
    mugs = SectionFactory(name="Kitchen")
    mug = ItemFactory(label="Speckled Stoneware Mug", summary="A hand-thrown mug in speckled stoneware.")
    mug.sections.add(mugs)
    StockRecordFactory(item=mug, num_in_stock=7)
    lamp = ItemFactory(label="Brass Reading Lamp", summary="A reading lamp in solid brass.")
    StockRecordFactory(item=lamp, num_in_stock=0)
    ann_order = PurchaseFactory(buyer=ann, status="shipped")
    SaleLineFactory(purchase=ann_order, article=mug, qty=2)
    bob_order = PurchaseFactory(buyer=bob, status="processing")
    SaleLineFactory(purchase=bob_order, article=lamp, qty=1)
    FaqEntry.objects.create(title="What is your returns policy?", topic="returns",
                            answer="You can return anything within 30 days for a full refund.",
                            examples="can i send it back\nhow do refunds work", link="/pages/returns/")
    FaqEntry.objects.create(title="I want to make a legal claim", topic="other", sensitive=True,
                            answer="(staff only)", examples="legal claim\ninjury compensation")
    return {"ann": ann, "bob": bob, "mug": mug, "lamp": lamp, "ann_order": ann_order, "bob_order": bob_order}
