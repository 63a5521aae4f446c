"""ai_commerce.pricing: a sub-app; add it to INSTALLED_APPS after "ai_commerce" to enable pricing."""
