"""A global gradient-boosting forecast: one model for every product, trained on the shop's own history (workers only:
it imports scikit-learn).

Each product's demand is put on its own scale (its mean over the last 91 days), so that thin histories borrow the
shape of every other product, and of their category, instead of fitting their noise alone. The model is direct: one
regressor predicts each day ``k`` of the horizon (``k`` is a feature) from what is known at the origin:

- levels: the mean of the last 7, 28, 91 and 364 days, the same weekday's mean over the last 8 weeks, the share of
  days without a sale, the product's age;
- last year: the week around the target day a year before, and the level at the origin a year before (growth);
- calendar: the target day's weekday and day of the year;
- category: its code, a categorical feature (pooling toward the category), and the category's scaled level;
- price: the newest price paid against the product's year average (the price effect pricing measures).

It learns from pseudo-origins every ``STEP`` days over the year before the origin, each with the horizon that
followed it, so it never sees a day at or after the origin. Censored days (NaN) are left missing, never zero.
``HistGradientBoostingRegressor`` (scikit-learn, already a dependency of the package) handles missing values and
categories natively. The bounds of its intervals are the quantiles of each product's errors on the model's training
days; the trainer then calibrates every model's intervals on the backtest (``backtest.calibrate``).
"""

import datetime as dt
import warnings

import numpy as np

from .scoring import QUANTILES

#: Interval bound -> its quantile (methods.BOUNDS, which imports this module lazily).
BOUNDS = {key: level for key, level in QUANTILES if key != "mean"}

#: Pseudo-origins this many days apart, over ``ORIGINS`` steps before the origin.
STEP, ORIGINS = 21, 17
#: History kept before the origin: the training year plus a year of lags before it.
MAX_DAYS = 2 * 364 + 28 + 7
#: Training rows (product x pseudo-origin x day) beyond which a seeded sample is fitted: about 1,000 products'
#: worth. Fitting, and predicting the training rows for the intervals, grow with the rows; 4,000 products' 1.9
#: million rows took three quarters of the forecast's time, and a histogram model learns as much from a quarter.
MAX_TRAINING_ROWS = 500_000
PARAMS = {"max_iter": 200, "learning_rate": 0.08, "max_leaf_nodes": 31, "min_samples_leaf": 100,
          "l2_regularization": 1.0, "random_state": 0}


def _nanmean(block):
    if not block.shape[1]:
        return np.full(block.shape[0], np.nan)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing row is NaN, as meant
        return np.nanmean(block, axis=1)


def _last(block):
    """Each row's newest value that is not NaN (NaN when there is none)."""
    seen = ~np.isnan(block)
    newest = block.shape[1] - 1 - np.argmax(seen[:, ::-1], axis=1)
    return np.where(seen.any(axis=1), block[np.arange(block.shape[0]), newest], np.nan)


def _features(units, price, origin, horizon, first, categories, day_of_week, day_of_year):
    """Return (features, scale) of every product at ``origin`` (a column of ``units``) for days 0..horizon-1:
    ``features`` is (products * horizon) x columns, products the outer axis."""
    n = units.shape[0]
    lvl = {w: _nanmean(units[:, max(0, origin - w):origin]) for w in (7, 28, 91, 364)}
    scale = np.nan_to_num(lvl[91], nan=0.0) + 0.1
    zero_share = _nanmean((units[:, max(0, origin - 91):origin] == 0).astype(float)
                          + np.where(np.isnan(units[:, max(0, origin - 91):origin]), np.nan, 0.0))
    age = origin - first
    last_year_level = _nanmean(units[:, max(0, origin - 364 - 28):max(0, origin - 364)]) if origin > 364 else \
        np.full(n, np.nan)
    recent_price = _last(price[:, max(0, origin - 91):origin])
    year_price = _nanmean(price[:, max(0, origin - 364):origin])
    price_ratio = recent_price / year_price
    at_price_level, at_price_days = _since_price_change(units, price, origin, recent_price)
    category_level = np.full(n, np.nan)
    for code in np.unique(categories):
        members = categories == code
        category_level[members] = _nanmean((lvl[28][members] / scale[members])[None, :])[0]
    columns = []
    for k in range(horizon):
        target = origin + k
        weekday = _nanmean(units[:, [target - 7 * j for j in range(1 + k // 7, 9 + k // 7) if target - 7 * j >= 0]])
        ly = target - 364
        last_year = _nanmean(units[:, max(0, ly - 3):max(0, ly + 4)]) if ly - 3 >= 0 else np.full(n, np.nan)
        columns.append(np.column_stack([
            np.full(n, k), np.full(n, day_of_week(target)), np.full(n, day_of_year(target)), categories,
            lvl[7] / scale, lvl[28] / scale, lvl[91] / scale, lvl[364] / scale, weekday / scale, zero_share, age,
            last_year / scale, last_year_level / scale, np.log(scale), price_ratio, category_level,
            at_price_level / scale, at_price_days,
        ]))
    return np.stack(columns, axis=1).reshape(n * horizon, -1), scale


CATEGORICAL = [3]  # the category code
#: How far back the level at the current price looks, and the relative change that counts as a new price.
PRICE_WINDOW, PRICE_CHANGE = 91, 0.01


def _since_price_change(units, price, origin, newest):
    """Return (mean units, days) since each product's price last changed to ``newest`` (the newest price paid),
    within ``PRICE_WINDOW`` days: the demand at the price it sells at now, which a level over a window that mixes
    prices blurs. NaN where no price was paid in the window."""
    start = max(0, origin - PRICE_WINDOW)
    window = price[:, start:origin]
    other = ~np.isnan(window) & (np.abs(window - newest[:, None]) > PRICE_CHANGE * newest[:, None])
    width = window.shape[1]
    changed = np.where(other.any(axis=1), width - 1 - np.argmax(other[:, ::-1], axis=1), -1)  # last other price
    days = width - 1 - changed
    since = np.arange(width)[None, :] > changed[:, None]
    level = _nanmean(np.where(since, units[:, start:origin], np.nan))
    return np.where(np.isnan(newest), np.nan, level), np.where(np.isnan(newest), np.nan, days.astype(float))


def forecast(series, horizon, *, end=None, categories=None, prices=None):
    """Return {"mean"|"lo80"|"hi80"|"lo95"|"hi95": array (len(series) x horizon)} of the global model.

    ``series``: each product's daily units up to the same last day ``end`` (a date, for the calendar; None reads
    day 0 as a Monday on 1 January); NaN is a censored day. ``categories``: one label per series (None: one category).
    ``prices``: each product's daily price paid, aligned like ``series`` (NaN on days without a sale), or None.
    """
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    n = len(series)
    width = min(MAX_DAYS, max(len(y) for y in series))
    units = np.full((n, width), np.nan)
    price = np.full((n, width), np.nan)
    first = np.zeros(n)
    for i, y in enumerate(series):
        y = np.asarray(y, dtype=float)[-width:]
        units[i, width - len(y):] = y
        first[i] = width - len(y)
        if prices is not None:
            p = np.asarray(prices[i], dtype=float)[-width:]
            price[i, width - len(p):] = p
    labels = ["" if categories is None else (categories[i] or "") for i in range(n)]
    codes = {label: code for code, label in enumerate(sorted(set(labels)))}
    category = np.array([codes[label] for label in labels], dtype=float)
    # The calendar comes from the data's own last day; series given without dates have no calendar to read, so
    # their calendar features are constant rather than a made-up one.
    day0 = None if end is None else end - dt.timedelta(days=width - 1)

    def day_of_week(index):
        return 0 if day0 is None else (day0 + dt.timedelta(days=int(index))).weekday()

    def day_of_year(index):
        return 0 if day0 is None else (day0 + dt.timedelta(days=int(index))).timetuple().tm_yday

    xs, ys, ws, ids = [], [], [], []
    for j in range(1, ORIGINS + 1):
        origin = width - horizon - STEP * (j - 1)
        if origin < 28:
            break
        x, scale = _features(units, price, origin, horizon, first, category, day_of_week, day_of_year)
        target = (units[:, origin:origin + horizon] / scale[:, None]).reshape(-1)
        alive = np.repeat(origin - first >= 28, horizon) & ~np.isnan(target)
        xs.append(x[alive])
        ys.append(target[alive])
        ws.append(np.repeat(scale, horizon)[alive])
        ids.append(np.repeat(np.arange(n), horizon)[alive])
    x_train, y_train = np.concatenate(xs), np.concatenate(ys)
    weights, ids = np.concatenate(ws), np.concatenate(ids)
    if len(y_train) > MAX_TRAINING_ROWS:  # a big shop: a seeded sample of its rows fits as well, in less time
        keep = np.sort(np.random.default_rng(0).choice(len(y_train), size=MAX_TRAINING_ROWS, replace=False))
        x_train, y_train, weights, ids = x_train[keep], y_train[keep], weights[keep], ids[keep]
    empty = np.all(np.isnan(x_train), axis=0)  # e.g. last year, on a history shorter than a year
    x_train[:, empty] = 0.0
    model = HistGradientBoostingRegressor(categorical_features=CATEGORICAL, **PARAMS)
    x, scale = _features(units, price, width, horizon, first, category, day_of_week, day_of_year)
    x[:, empty] = 0.0
    # One OpenMP thread: workers run side by side, and on a busy machine OpenMP's spinning threads made a fit 15x
    # slower. Scaled errors are weighed by the product's level: squared errors then count as RMSSE counts them (a
    # Poisson seller's naive error grows with its level), so big sellers are not drowned by the many slow ones.
    with threadpool_limits(1):
        model.fit(x_train, y_train, sample_weight=weights)
        predicted = model.predict(x)
        fitted = model.predict(x_train)
    mean = np.clip(predicted.reshape(n, horizon) * scale[:, None], 0, None)
    return with_errors(mean, ids, (y_train - np.clip(fitted, 0, None)) * weights)


def with_errors(mean, product, errors):
    """Add bounds to ``mean``: the quantiles of each product's errors on the model's training days (in units, signed),
    added to its forecast; a product without any gets the errors of all. In-sample errors are a little small: the
    backtest calibrates the width (``backtest.calibrate``)."""
    everyone = {key: float(np.quantile(errors, level)) if len(errors) else 0.0 for key, level in BOUNDS.items()}
    order = np.argsort(product, kind="stable")
    groups = np.split(errors[order], np.flatnonzero(np.diff(product[order])) + 1) if len(errors) else []
    owners = product[order][np.r_[0, np.flatnonzero(np.diff(product[order])) + 1]] if len(errors) else []
    q = {key: np.full(mean.shape[0], value) for key, value in everyone.items()}
    for owner, own in zip(owners, groups, strict=True):
        for key, level in BOUNDS.items():
            q[key][owner] = np.quantile(own, level)
    arrays = {"mean": mean, **{key: np.clip(mean + q[key][:, None], 0, None) for key in BOUNDS}}
    arrays["lo80"] = np.minimum(arrays["lo80"], mean)
    arrays["lo95"] = np.minimum(arrays["lo95"], arrays["lo80"])
    arrays["hi80"] = np.maximum(arrays["hi80"], mean)
    arrays["hi95"] = np.maximum(arrays["hi95"], arrays["hi80"])
    return arrays
