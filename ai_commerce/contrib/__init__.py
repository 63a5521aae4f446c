"""Presets for shop frameworks: the settings and adapter that connect ai_commerce to one framework's models.

Each module is named after the framework and is imported from the host's settings module, so it imports nothing
of the framework at module level::

    from ai_commerce.contrib import oscar as ai_oscar

    AI_COMMERCE_PRODUCT_MODEL = ai_oscar.PRODUCT_MODEL
    AI_COMMERCE = ai_oscar.settings()

``ai_commerce.contrib.oscar``: django-oscar (catalogue, partner stock records, orders, product reviews).
"""
