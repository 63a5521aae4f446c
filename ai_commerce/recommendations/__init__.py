"""ai_commerce.recommendations: a sub-app; add it to INSTALLED_APPS after "ai_commerce" to enable recommendations."""
