"""Benchmark the experiments' verdict: does it pick the better arm at the planned sample, and how often does it call a
winner between two equal arms when staff look at the results all along?

Run from the project root::

    .venv/bin/python bench/experiments.py --out experiments.json [--runs 400 --null-runs 1000 --seed 1]

Each run is one experiment of two arms (control and challenger, 50/50) on click-through rate, with the package's
defaults: significance 0.05, power 0.95, base rate 5%, smallest effect worth detecting +20%, so a planned sample of
``experiments.planned_sample`` impressions per arm. Visitors arrive one by one; each is put in an arm by the real
assignment (``experiments.arm_of``: the hash of experiment and visitor against the split), sees 1 to 5
recommendations (impressions) and clicks each with the arm's true rate. The counts go through the real verdict
(``verdict.summarize``: the z-test, the interval, the fixed horizon). The database side of crediting (placement
events, purchases) is covered by ``tests/recommendations/test_experiments.py``.

* **power**: the challenger's true lift is exactly the smallest effect planned for (+20%); the share of runs whose
  verdict, once both arms reach the planned sample, names the challenger (target >= 0.95).
* **false positives with peeking**: both arms have the control's rate; staff look at the results after every 10% of
  the planned sample and at the end; a run is a false positive if any look names a winner, i.e. tells staff to
  switch to the challenger (target <= 0.05). A verdict that keeps the control changes nothing, so it is not one.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from ai_commerce.recommendations import experiments  # noqa: E402
from ai_commerce.recommendations.models import Experiment, ExperimentArm  # noqa: E402
from ai_commerce.recommendations.verdict import summarize  # noqa: E402

BASE_RATE, EFFECT, ALPHA, POWER = 0.05, 20.0, 0.05, 0.95
TARGETS = {"power": 0.95, "false_positive_rate": ALPHA}


def _experiment(run):
    e = Experiment(pk=run, name=f"run {run}", metric="ctr", base_rate=BASE_RATE, min_effect_pct=EFFECT,
                   significance=ALPHA, power=POWER)
    e.planned_per_arm = experiments.planned_sample(BASE_RATE, EFFECT, ALPHA, POWER)
    arms = [ExperimentArm(pk=1, name="control", weight=50, is_control=True),
            ExperimentArm(pk=2, name="challenger", weight=50)]
    return e, arms


def simulate(run, rates, rng, looks=()):
    """Serve visitors until both arms have the planned impressions; return the verdicts at ``looks`` (fractions of
    the planned sample) and at the end."""
    e, arms = _experiment(run)
    split = tuple((arm.pk, None, arm.weight) for arm in arms)
    counts = {arm.pk: {"impressions": 0, "clicks": 0} for arm in arms}
    planned, pending, verdicts, visitor = e.planned_per_arm, sorted(looks), [], 0
    while min(c["impressions"] for c in counts.values()) < planned:
        arm = experiments.arm_of(run, f"s:{run}-{visitor}", split)[0]
        visitor += 1
        shown = int(rng.integers(1, 6))
        counts[arm]["impressions"] += shown
        counts[arm]["clicks"] += int(rng.binomial(shown, rates[arm]))
        while pending and min(c["impressions"] for c in counts.values()) >= pending[0] * planned:
            pending.pop(0)
            verdicts.append(summarize(e, arms, counts, {})["verdict"])
    verdicts.append(summarize(e, arms, counts, {})["verdict"])
    return verdicts, visitor


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--null-runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    planned = experiments.planned_sample(BASE_RATE, EFFECT, ALPHA, POWER)
    picked, visitors = 0, []
    for run in range(args.runs):
        verdicts, n = simulate(run, {1: BASE_RATE, 2: BASE_RATE * (1 + EFFECT / 100)}, rng)
        picked += verdicts[-1]["status"] == "winner" and verdicts[-1]["winner"].pk == 2
        visitors.append(n)
    looks = [i / 10 for i in range(1, 10)]
    false, early = 0, 0
    for run in range(args.runs, args.runs + args.null_runs):
        verdicts, _ = simulate(run, {1: BASE_RATE, 2: BASE_RATE}, rng, looks)
        false += any(v["status"] == "winner" for v in verdicts)
        early += any(v["status"] == "winner" for v in verdicts[:-1])
    result = {
        "planned_per_arm": planned, "base_rate": BASE_RATE, "min_effect_pct": EFFECT, "significance": ALPHA,
        "power_planned": POWER, "runs": args.runs, "null_runs": args.null_runs, "looks_per_null_run": len(looks) + 1,
        "power": picked / args.runs, "false_positive_rate": false / args.null_runs,
        "winners_called_before_the_horizon": early, "median_visitors_per_run": float(np.median(visitors)),
        "runtime_s": round(time.perf_counter() - started, 1), "python": platform.python_version(),
    }
    result["targets"] = {**TARGETS, "met": result["power"] >= TARGETS["power"]
                         and result["false_positive_rate"] <= TARGETS["false_positive_rate"]}
    print(f"planned sample: {planned:,} impressions per arm (base rate {BASE_RATE:.0%}, +{EFFECT:.0f}%, "
          f"alpha {ALPHA}, power {POWER})")
    print(f"{'case':44} {'runs':>6} {'share':>7} {'target':>8}")
    print(f"{'true lift = smallest effect: picks challenger':44} {args.runs:>6} {result['power']:7.3f} {'>= 0.95':>8}")
    print(f"{'equal arms, 10 looks each: any winner called':44} {args.null_runs:>6} "
          f"{result['false_positive_rate']:7.3f} {'<= 0.05':>8}")
    print(f"winners called before the planned sample: {early}; median visitors per run "
          f"{result['median_visitors_per_run']:,.0f}; targets met: {result['targets']['met']}; "
          f"runtime {result['runtime_s']} s")
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
