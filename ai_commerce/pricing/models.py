"""Models of ai_commerce.pricing (filled by its own issue)."""
