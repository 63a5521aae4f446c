"""The planned sample of an experiment's arm (pure Python)."""

import math
from statistics import NormalDist


def planned_sample(base_rate, min_effect_pct, significance=0.05, power=0.95):
    """Per-arm sample that detects a relative lift of ``min_effect_pct`` over ``base_rate`` (two-sided test of two
    proportions at ``significance``, with probability ``power``); 0 when the inputs make no sense."""
    try:
        p1 = float(base_rate)
        p2 = min(p1 * (1 + float(min_effect_pct) / 100), 0.999999)
        z = NormalDist().inv_cdf(1 - float(significance) / 2) + NormalDist().inv_cdf(float(power))
    except (TypeError, ValueError):
        return 0
    if not 0 < p1 < 1 or p2 <= p1:
        return 0
    return math.ceil(z**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p2 - p1) ** 2)
