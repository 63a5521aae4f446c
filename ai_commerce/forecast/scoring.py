"""How a daily forecast is judged: demand classes, and the M5-style errors of one product's forecast.

Pure numpy, so that the trainer and ``bench/forecast.py`` score alike. A NaN in ``actual`` is a censored day (out
of stock): it is not scored.

- Demand class (Syntetos-Boylan): ADI (average days between sales) and CV² (of the sizes of the sales):
  smooth (ADI < 1.32, CV² < 0.49), erratic (ADI < 1.32), intermittent (CV² < 0.49), lumpy (both high).
- RMSSE: RMSE scaled by the in-sample one-step naive RMSE; WRMSSE weighs it by each product's revenue in the 28
  days before the origin (M5's product level). MASE: MAE scaled by the in-sample naive MAE. Pinball: the mean
  quantile loss of the interval bounds (2.5%, 10%, 90%, 97.5%) and the forecast (as the median), scaled like MASE.
"""

import numpy as np

ADI_CUT, CV2_CUT = 1.32, 0.49
CLASSES = ("smooth", "erratic", "intermittent", "lumpy")
QUANTILES = (("lo95", 0.025), ("lo80", 0.1), ("mean", 0.5), ("hi80", 0.9), ("hi95", 0.975))


def demand_class(y):
    """Return the demand class of daily units ``y`` (NaN ignored), or "none" when nothing sold."""
    y = y[~np.isnan(y)]
    sales = y[y > 0]
    if not len(sales):
        return "none"
    adi = len(y) / len(sales)
    cv2 = float(np.var(sales) / np.mean(sales) ** 2) if len(sales) > 1 else 0.0
    if adi < ADI_CUT:
        return "smooth" if cv2 < CV2_CUT else "erratic"
    return "intermittent" if cv2 < CV2_CUT else "lumpy"


def scales(train):
    """Return (squared, absolute) in-sample one-step naive errors of ``train`` (NaN days skipped); never 0."""
    y = train[~np.isnan(train)]
    diffs = np.diff(y)
    if not len(diffs):
        return 1.0, 1.0
    sq, ab = float(np.mean(diffs ** 2)), float(np.mean(np.abs(diffs)))
    return (sq if sq > 0 else 1.0), (ab if ab > 0 else 1.0)


def errors(actual, forecast):
    """Return the sums that score one product's forecast over the observed days of ``actual``.

    ``forecast`` maps "mean", "lo80", "hi80", "lo95", "hi95" to arrays as long as ``actual``.
    """
    seen = ~np.isnan(actual)
    y = actual[seen]
    out = {"n": int(seen.sum())}
    if not out["n"]:
        return out
    f = {key: np.asarray(value, dtype=float)[seen] for key, value in forecast.items()}
    err = y - f["mean"]
    out.update(sse=float(np.sum(err ** 2)), sae=float(np.sum(np.abs(err))), bias=float(-np.sum(err)),
               units=float(np.sum(y)),
               in80=int(np.sum((y >= f["lo80"]) & (y <= f["hi80"]))),
               in95=int(np.sum((y >= f["lo95"]) & (y <= f["hi95"]))))
    pin = 0.0
    for key, q in QUANTILES:
        d = y - f[key]
        pin += float(np.sum(np.maximum(q * d, (q - 1) * d)))
    out["pinball"] = pin / len(QUANTILES)
    return out


def summarize(records):
    """Aggregate per-product records ({"weight", "sq", "abs", "n", "sse", "sae", "in80", "in95", "pinball"}) into
    WRMSSE, MASE, coverage of the 80% and 95% intervals, and scaled pinball loss."""
    records = [r for r in records if r.get("n")]
    if not records:
        return {}
    rmsse = np.array([np.sqrt(r["sse"] / r["n"] / r["sq"]) for r in records])
    weight = np.array([r["weight"] for r in records], dtype=float)
    if weight.sum() <= 0:
        weight = np.ones_like(weight)
    days = sum(r["n"] for r in records)
    return {"wrmsse": round(float(np.sum(weight * rmsse) / weight.sum()), 4),
            "mase": round(float(np.mean([r["sae"] / r["n"] / r["abs"] for r in records])), 4),
            "coverage_80": round(sum(r["in80"] for r in records) / days, 4),
            "coverage_95": round(sum(r["in95"] for r in records) / days, 4),
            "pinball": round(float(np.mean([r["pinball"] / r["n"] / r["abs"] for r in records])), 4),
            "products": len({r.get("product") for r in records}), "days": days}
