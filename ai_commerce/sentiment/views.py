"""``GET /ai/reviews/policy/``: the review-policy disclosure as a page (``policy``), for product pages to link."""

from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

TEMPLATES = ["ai_commerce/sentiment/review_policy_page.html"]


@require_safe
def review_policy_page(request):
    return TemplateResponse(request, TEMPLATES)
