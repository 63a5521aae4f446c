"""Models of ai_commerce.recommendations (filled by its own issue)."""
