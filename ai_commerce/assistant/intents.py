"""What a shopper can ask, with the built-in example questions the intent classifier learns from.

The shop adds its own examples through the FAQ entries (``FaqEntry.examples``), which all train the ``policy``
intent: a policy question is answered by retrieval over the entries. ``greeting`` and ``thanks`` are answered
politely without facts; ``human`` always hands over.
"""

ORDER_STATUS = "order_status"
ORDER_ITEMS = "order_items"
TRACKING = "tracking"
STOCK = "stock"
RESTOCK = "restock"
PRICE = "price"
PRODUCT_INFO = "product_info"
CATEGORY = "category"
REVIEWS = "reviews"
POLICY = "policy"
HUMAN = "human"
GREETING = "greeting"
THANKS = "thanks"

EXAMPLES = {
    ORDER_STATUS: [
        "where is my order", "where's my order", "has my order shipped", "what is the status of my order",
        "order status", "when will my order arrive", "is my order on its way", "my order hasn't arrived yet",
        "did you send my parcel", "has order 123 been dispatched", "when did i place my order",
        "what happened to my last order", "status of order #45", "whens my order coming", "wheres my parcel",
        "has my package been sent", "is my order delivered", "i ordered last week, any news?",
        "can you check my order please", "my delivery is late", "when was my order placed",
        "what date did i order", "order 77 status with email ann@example.com",
    ],
    ORDER_ITEMS: [
        "what did i order", "what is in my order", "which items were in my last order", "what did i buy",
        "list the products in my order", "how many items did i order", "what was in order 12",
        "remind me what i bought", "what products are in my order", "contents of my order",
        "what did i purchase last time", "items of my last order",
    ],
    TRACKING: [
        "tracking number", "can i have the tracking number", "how do i track my order", "track my parcel",
        "where can i track my package", "what is my tracking code", "give me the tracking link",
        "tracking info for my order", "track order 55",
    ],
    STOCK: [
        "is this in stock", "do you have this in stock", "is it available", "is the blue mug available",
        "how many do you have", "can i buy this now", "is it sold out", "do you have any left",
        "in stock?", "any stock of the lamp", "is this available to order", "are there any left",
        "do you still sell this", "stock level", "have you got this one", "is it out of stock",
    ],
    RESTOCK: [
        "when will it be back in stock", "when is it back", "when do you get more", "will you restock this",
        "when will this be available again", "when can i buy it again", "restock date",
        "when will the lamp be back", "expected back in stock when", "when are you getting new stock",
        "will it come back", "back in stock soon?",
    ],
    PRICE: [
        "how much is this", "what does it cost", "price", "what is the price of the mug", "how much",
        "how much does the lamp cost", "is it expensive", "what's the price", "cost of this item",
        "how much is it", "price please", "how much for this one", "whats the cost",
    ],
    PRODUCT_INFO: [
        "tell me about this product", "what is this made of", "describe this item", "what is it like",
        "what are the details", "more information about the lamp", "what material is it", "how big is it",
        "product description", "what does this do", "give me the specs", "details of this product",
        "is it good for a gift", "what is the mug like",
    ],
    CATEGORY: [
        "what category is this", "what kind of product is this", "which section is this in",
        "what type of item is it", "category of the lamp", "what department is this", "is this a kitchen item",
        "where do i find it in the shop",
    ],
    REVIEWS: [
        "what do customers say", "what are the reviews like", "is it any good", "do people like it",
        "reviews", "what do other buyers think", "how is it rated", "rating", "any complaints about this",
        "is the quality good according to reviews", "what do reviewers say about the lamp", "star rating",
        "would people recommend it", "customer opinions",
    ],
    POLICY: [
        "what is your return policy", "can i return this", "how long does shipping take", "do you ship abroad",
        "what payment methods do you accept", "how do i find my size", "delivery cost", "refund policy",
        "can i exchange an item", "do you offer free delivery", "how do i pay", "size guide",
        "can i cancel my order", "do you have a warranty",
    ],
    HUMAN: [
        "i want to talk to a person", "speak to a human", "can i talk to someone", "real person please",
        "agent", "customer service", "connect me to staff", "let me speak to a manager", "human please",
        "i need help from a real person", "contact support", "can someone call me", "talk to an agent",
        "is there a person i can speak to", "operator",
    ],
    GREETING: ["hi", "hello", "hey there", "good morning", "hello, anyone there?", "hiya", "good evening"],
    THANKS: ["thanks", "thank you", "great, thanks", "cheers", "thanks a lot", "perfect thank you", "ok thanks",
             "that helps, thank you"],
}

#: The intents about the shopper's own orders: answered only from their own rows.
ORDER_INTENTS = (ORDER_STATUS, ORDER_ITEMS, TRACKING)
#: The intents about one product: answered only when a product is resolved.
PRODUCT_INTENTS = (STOCK, RESTOCK, PRICE, PRODUCT_INFO, CATEGORY, REVIEWS)


def training_examples(faq_examples=()):
    """Return (texts, labels): the built-in examples, and the shop's FAQ example questions as ``policy``."""
    texts, labels = [], []
    for intent, examples in EXAMPLES.items():
        texts.extend(examples)
        labels.extend([intent] * len(examples))
    for example in faq_examples:
        texts.append(example)
        labels.append(POLICY)
    return texts, labels
