"""Models of ai_commerce.sentiment (filled by its own issue)."""
