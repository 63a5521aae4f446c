"""django-ai-commerce: recommendations, review sentiment and smart pricing for an existing Django shop.

Add ``"ai_commerce"`` (and any of its sub-apps) to ``INSTALLED_APPS``, point ``AI_COMMERCE_PRODUCT_MODEL`` at the
shop's product model and map the shop's fields in ``AI_COMMERCE``; see the README's integration guide.
"""

__version__ = "0.1.0"
