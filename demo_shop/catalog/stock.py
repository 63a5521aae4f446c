"""The demo shop's stock, day by day: deliveries, sales taken from the shelf, and stockouts that lose sales.

``trajectory(demand_lines, expected_units, launch, stop, rng)`` runs each product's stock through the days of the
simulation. The shop follows its own simple rule, which the forecast does not know:

* a product is stocked at launch with ``OPENING_COVER_DAYS`` (drawn per product) of its expected daily units;
* each morning, the deliveries due that day arrive; then each wanted order line takes 1-3 units (``QUANTITY_P``)
  from the shelf, or what is left; a line that finds the shelf empty is lost (the customer buys elsewhere);
* at the end of each day the shop reorders when stock on hand plus on order is at or below its reorder point:
  its rate (the mean units sold over the last 28 days, the expected rate before it has 28 days of sales) times the
  product's lead time and a safety factor drawn per product. It orders ``COVER_DAYS`` of that rate; the delivery
  arrives after the lead time (``LEAD_DAYS``). A low safety factor, or a rate that rises (before Christmas), runs
  out before the delivery comes, as real shops do;
* a discontinued product is not reordered after it stops selling.

The result: the end-of-day stock (what the nightly snapshot reads), each sold line's quantity, and every delivery
(ordered on, arrives on, units), so that a benchmark knows what the shop knew at any day.
"""

from dataclasses import dataclass, field

import numpy as np

QUANTITY_P = np.array([0.85, 0.11, 0.04])  # 1, 2 or 3 units per line
LEAD_DAYS = (4, 15)  # a product's lead time: uniform whole days in [4, 15)
SAFETY = (0.9, 2.2)  # reorder point = rate x lead time x this factor, drawn per product
COVER_DAYS = (21, 56)  # an order covers this many days of the rate
OPENING_COVER_DAYS = (14, 70)
RATE_WINDOW = 28


@dataclass
class StockPath:
    end_of_day: np.ndarray  # products x days: units on the shelf at the end of each day
    quantities: list  # [day][product] -> list of the units of each line sold that day (lost lines left out)
    deliveries: list = field(default_factory=list)  # per product: [(ordered on day, arrives on day, units)]
    lead_days: np.ndarray = None  # per product


def trajectory(demand_lines, expected_units, launch, stop, rng):
    """Run the stock of every product; see the module docstring.

    ``demand_lines``: products x days, order lines wanted each day (Poisson); ``expected_units``: products x days,
    the expected units wanted (what the shop's planners would guess before it has sales); ``launch``/``stop``: per
    product, its first day on sale and the day it stops (discontinued) or the number of days.
    """
    n, days = demand_lines.shape
    lead = rng.integers(*LEAD_DAYS, size=n)
    safety = rng.uniform(*SAFETY, size=n)
    cover = rng.uniform(*COVER_DAYS, size=n)
    opening = rng.uniform(*OPENING_COVER_DAYS, size=n)
    end_of_day = np.zeros((n, days), dtype=np.int64)
    sold = np.zeros((n, days))
    quantities = [[[] for _ in range(n)] for _ in range(days)]
    deliveries = [[] for _ in range(n)]
    for i in range(n):
        first = int(launch[i])
        expected = float(np.mean(expected_units[i, first:stop[i]])) if stop[i] > first else 0.0
        stock = int(np.ceil(expected * opening[i]))
        due = {}
        wanted = rng.choice(3, size=int(demand_lines[i].sum()), p=QUANTITY_P) + 1
        taken = 0
        for d in range(first, days):
            stock += due.pop(d, 0)
            for q in wanted[taken:taken + int(demand_lines[i, d])].tolist():
                if stock <= 0:
                    break
                units = min(q, stock)
                quantities[d][i].append(units)
                stock -= units
                sold[i, d] += units
            taken += int(demand_lines[i, d])
            end_of_day[i, d] = stock
            if d + 1 >= stop[i]:
                continue  # discontinued: never reordered
            window = sold[i, max(first, d + 1 - RATE_WINDOW):d + 1]
            rate = float(window.mean()) if d + 1 - first >= RATE_WINDOW else expected
            on_order = sum(due.values())
            if rate > 0 and stock + on_order <= rate * lead[i] * safety[i]:
                units = max(1, int(np.ceil(rate * cover[i])))
                arrives = d + int(lead[i])  # ordered at the end of day d, on the shelf lead days later
                due[arrives] = due.get(arrives, 0) + units
                deliveries[i].append((d, arrives, units))
    return StockPath(end_of_day=end_of_day, quantities=quantities, deliveries=deliveries, lead_days=lead)
