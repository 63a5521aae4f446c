"""Tiny server-side SVG charts for the admin: no JavaScript, no CDN, readable without outside access.

    from ai_commerce.dashboard import charts
    svg = charts.line_chart({"recall@10": [(date1, 0.12), (date2, 0.15)]}, title="Held-out metrics")
    svg = charts.bar_chart(["05-01", "05-02"], {"view": [3, 4], "purchase": [1, 0]}, title="Events per day")

Each function returns a ``SafeString`` holding one ``<svg>`` element with axes, tick labels, a legend and a
``<title>`` tooltip on every point or bar. Labels are escaped. An empty series gives a chart that says "no data".
"""

from datetime import date, datetime

from django.utils.html import escape
from django.utils.safestring import mark_safe

PALETTE = ("#417690", "#e08e0b", "#5b9a46", "#ba2121", "#8a5aa8", "#6e6e6e", "#1f9bb3", "#c7663a")
WIDTH, HEIGHT = 640, 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 12, 28, 46


def _fmt(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _nice_ticks(low, high, count=4):
    """Return about ``count`` round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering [low, high]."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / count
    step = next(f * _decade(raw) for f in (1, 2, 2.5, 5, 10) if f * _decade(raw) >= raw)
    value = (low // step) * step
    ticks = []
    while value < high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _decade(value):
    decade = 1.0
    while decade > value:
        decade /= 10
    while decade * 10 <= value:
        decade *= 10
    return decade


def _tick_label(value):
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.3g}"


def _frame(title, legend, body, width, height):
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" class="ai-chart" viewBox="0 0 {width} {height}" '
         f'width="100%" role="img" aria-label="{escape(title)}">'),
        f"<title>{escape(title)}</title>",
        f'<text x="{PAD_LEFT}" y="16" class="ai-chart-title" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    x = PAD_LEFT
    for name, color in legend:  # one row under the x axis labels
        parts.append(f'<g class="ai-chart-legend"><rect x="{x}" y="{height - 14}" width="10" height="10" '
                     f'fill="{color}"/><text x="{x + 13}" y="{height - 5}" font-size="11">{escape(name)}</text></g>')
        x += 24 + 7 * len(name)
    parts.extend(body)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text piece above was escaped


def _empty(title, width, height):
    body = [f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="12">no data yet</text>']
    return _frame(title, [], body, width, height)


def _y_axis(ticks, y_of, width, y_label):
    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{PAD_LEFT}" x2="{width - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>'
                     f'<text x="{PAD_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
                     f"{_tick_label(tick)}</text>")
    if y_label:
        parts.append(f'<text x="10" y="{PAD_TOP + 4}" font-size="10" fill="#555" '
                     f'transform="rotate(-90 10 {PAD_TOP + 4})" text-anchor="end">{escape(y_label)}</text>')
    return parts


def line_chart(series, *, title="", y_label="", width=WIDTH, height=HEIGHT, bands=None):
    """Draw ``{name: [(x, y), ...]}`` as lines with a dot and tooltip per point; x are dates, datetimes or numbers.

    Points whose y is None are skipped. All series share one y axis, which includes 0 when the values are positive.
    ``bands`` (``{name: [(x, low, high), ...]}``) are shaded under the lines: an interval around a forecast.
    """
    series = {name: [(x, float(y)) for x, y in points if y is not None] for name, points in series.items()}
    series = {name: points for name, points in series.items() if points}
    bands = {name: [(x, float(lo), float(hi)) for x, lo, hi in points] for name, points in (bands or {}).items()
             if points}
    if not series:
        return _empty(title, width, height)
    xs = [x for points in series.values() for x, _ in points] + [x for b in bands.values() for x, _, _ in b]
    ys = [y for points in series.values() for _, y in points] + [v for b in bands.values() for _, lo, hi in b
                                                                  for v in (lo, hi)]
    numeric = [_as_number(x) for x in xs]
    x_low, x_high = min(numeric), max(numeric)
    low, high = min(ys), max(ys)
    if low > 0 and high <= 1:
        low = 0.0
    ticks = _nice_ticks(low, high)
    y_low, y_high = ticks[0], ticks[-1]
    plot_w, plot_h = width - PAD_LEFT - PAD_RIGHT, height - PAD_TOP - PAD_BOTTOM

    def x_of(x):
        return PAD_LEFT + (plot_w * (_as_number(x) - x_low) / (x_high - x_low) if x_high > x_low else plot_w / 2)

    def y_of(y):
        return PAD_TOP + plot_h * (1 - (y - y_low) / ((y_high - y_low) or 1))

    body = _y_axis(ticks, y_of, width, y_label)
    body.extend(_x_labels(sorted(set(xs), key=_as_number), x_of, height))
    legend = []
    for index, (name, points) in enumerate(bands.items()):
        color = PALETTE[(len(series) + index) % len(PALETTE)]
        legend.append((name, color))
        points = sorted(points, key=lambda p: _as_number(p[0]))
        outline = [f"{x_of(x):.1f},{y_of(hi):.1f}" for x, _, hi in points]
        outline += [f"{x_of(x):.1f},{y_of(lo):.1f}" for x, lo, _ in reversed(points)]
        body.append(f'<polygon fill="{color}" fill-opacity="0.18" stroke="none" points="{" ".join(outline)}">'
                    f"<title>{escape(name)}</title></polygon>")
    for index, (name, points) in enumerate(series.items()):
        color = PALETTE[index % len(PALETTE)]
        legend.append((name, color))
        points = sorted(points, key=lambda p: _as_number(p[0]))
        path = " ".join(f"{x_of(x):.1f},{y_of(y):.1f}" for x, y in points)
        body.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        for x, y in points:
            body.append(f'<circle cx="{x_of(x):.1f}" cy="{y_of(y):.1f}" r="3.5" fill="{color}">'
                        f"<title>{escape(name)}: {_fmt(y)} ({escape(_fmt(x))})</title></circle>")
    return _frame(title, legend, body, width, height)


def _as_number(x):
    if isinstance(x, datetime):
        return x.timestamp()
    if isinstance(x, date):
        return datetime(x.year, x.month, x.day).timestamp()
    return float(x)


def _x_labels(xs, x_of, height, most=7):
    step = max(1, -(-len(xs) // most))
    parts = []
    for x in xs[::step]:
        label = x.strftime("%m-%d") if isinstance(x, date | datetime) else _fmt(x)
        parts.append(f'<text x="{x_of(x):.1f}" y="{height - PAD_BOTTOM + 14}" text-anchor="middle" '
                     f'font-size="10">{escape(label)}</text>')
    return parts


def bar_chart(categories, series, *, title="", y_label="", stacked=True, width=WIDTH, height=HEIGHT):
    """Draw bars for ``categories`` (x labels) with ``{name: [value per category]}``, stacked by default.

    Every bar has a tooltip naming its category, series and value.
    """
    categories = list(categories)
    series = {name: [float(v or 0) for v in values] for name, values in series.items()}
    if not categories or not series or not any(any(values) for values in series.values()):
        return _empty(title, width, height)
    if stacked:
        high = max(sum(values[i] for values in series.values()) for i in range(len(categories)))
    else:
        high = max(max(values) for values in series.values())
    ticks = _nice_ticks(0.0, high)
    y_high = ticks[-1]
    plot_w, plot_h = width - PAD_LEFT - PAD_RIGHT, height - PAD_TOP - PAD_BOTTOM
    slot = plot_w / len(categories)
    groups = 1 if stacked else len(series)
    bar_w = max(1.0, slot * 0.8 / groups)

    def y_of(y):
        return PAD_TOP + plot_h * (1 - y / (y_high or 1))

    body = _y_axis(ticks, y_of, width, y_label)
    step = max(1, -(-len(categories) // 8))
    for i in range(0, len(categories), step):
        body.append(f'<text x="{PAD_LEFT + slot * (i + 0.5):.1f}" y="{height - PAD_BOTTOM + 14}" '
                    f'text-anchor="middle" font-size="10">{escape(_fmt(categories[i]))}</text>')
    legend = []
    base = [0.0] * len(categories)
    for index, (name, values) in enumerate(series.items()):
        color = PALETTE[index % len(PALETTE)]
        legend.append((name, color))
        for i, value in enumerate(values):
            if not value:
                continue
            x = PAD_LEFT + slot * i + slot * 0.1 + (0 if stacked else bar_w * index)
            bottom = base[i] if stacked else 0.0
            top_y, bottom_y = y_of(bottom + value), y_of(bottom)
            body.append(f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{bar_w:.1f}" height="{bottom_y - top_y:.1f}" '
                        f'fill="{color}"><title>{escape(_fmt(categories[i]))} {escape(name)}: {_fmt(value)}'
                        f"</title></rect>")
            if stacked:
                base[i] += value
    return _frame(title, legend, body, width, height)
