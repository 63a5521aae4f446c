"""Benchmark the experiments' verdict: does it pick the better arm at the planned sample, and how often does it call a
winner between two equal arms when staff look at the results all along?

Run from the project root::

    .venv/bin/python bench/experiments.py --out experiments.json [--runs 400 --null-runs 1000 --seed 1]
        [--fake-runs 200 --fakes 500]

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
* **injected fake clicks**: both arms equal again, and an attacker who wants the challenger to win. It opens
  sessions until one lands in the challenger, is served 5 recommendations there and clicks each once (what any
  visitor may do), then sends ``--fakes`` more click requests aimed at the challenger: unsigned links, made-up
  signatures, links served to someone else, and its own signed links replayed. Each goes through the real
  signature check (``attribution.is_signed``, for the visitor who clicks) and is counted as the verdict counts
  (one click per visitor and item, on something the arm showed that visitor). The verdict must be the same as
  with the attacker's honest visit alone in every run (target: 0 changed); the same fakes counted as the click
  endpoint counted them before (every request a click) show what the attack did.
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

from ai_commerce.recommendations import attribution, experiments  # noqa: E402
from ai_commerce.recommendations.models import Experiment, ExperimentArm  # noqa: E402
from ai_commerce.recommendations.verdict import summarize  # noqa: E402

BASE_RATE, EFFECT, ALPHA, POWER = 0.05, 20.0, 0.05, 0.95
TARGETS = {"power": 0.95, "false_positive_rate": ALPHA, "verdicts_changed_by_fake_clicks": 0}
SHOWN = 5  # recommendations the attacker is served


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
    return verdicts, visitor, counts


def _verdict(run, counts):
    e, arms = _experiment(run)
    found = summarize(e, arms, counts, {})["verdict"]
    return found["status"], getattr(found["winner"], "pk", None)


def fake_clicks(run, counts, fakes, rng):
    """The attacker's visit and ``fakes`` forged click requests on top of an honest run's ``counts``: return the
    verdicts (with the honest visit alone, with the fakes through the defences, with the fakes counted raw)."""
    _, arms = _experiment(run)
    split = tuple((arm.pk, None, arm.weight) for arm in arms)
    challenger = arms[1].pk
    attacker = next(f"s:attacker-{run}-{n}" for n in range(1000)
                    if experiments.arm_of(run, f"s:attacker-{run}-{n}", split)[0] == challenger)
    served = [(("trending", 0, 10_000 + n, challenger), attribution.signature("trending", 0, 10_000 + n, challenger,
                                                                            attacker)) for n in range(SHOWN)]
    visit = {arm: dict(c) for arm, c in counts.items()}
    visit[challenger]["impressions"] += SHOWN
    visit[challenger]["clicks"] += SHOWN  # one click on each item it was shown: what any visitor may do
    defended, raw = {arm: dict(c) for arm, c in visit.items()}, {arm: dict(c) for arm, c in visit.items()}
    credited = {(attacker, entry[2]) for entry, _sig in served}  # its honest clicks, already counted
    for n in range(fakes):
        entry, sig = served[n % SHOWN]
        kind = n % 4
        visitor = attacker
        if kind == 0:  # an unsigned link
            sig = ""
        elif kind == 1:  # a made-up signature
            sig = "".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 27))
        elif kind == 2:  # a link served to the attacker, clicked by another session of its own
            visitor = f"s:attacker-{run}-other-{n}"
        raw[challenger]["clicks"] += 1  # before: every request to the click endpoint was a click
        if attribution.is_signed(sig, *entry, visitor) and (visitor, entry[2]) not in credited:
            credited.add((visitor, entry[2]))
            defended[challenger]["clicks"] += 1
    return _verdict(run, visit), _verdict(run, defended), _verdict(run, raw)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--null-runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fake-runs", type=int, default=200)
    parser.add_argument("--fakes", type=int, default=500, help="fake click requests per run")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    planned = experiments.planned_sample(BASE_RATE, EFFECT, ALPHA, POWER)
    picked, visitors = 0, []
    for run in range(args.runs):
        verdicts, n, _ = simulate(run, {1: BASE_RATE, 2: BASE_RATE * (1 + EFFECT / 100)}, rng)
        picked += verdicts[-1]["status"] == "winner" and verdicts[-1]["winner"].pk == 2
        visitors.append(n)
    looks = [i / 10 for i in range(1, 10)]
    false, early = 0, 0
    for run in range(args.runs, args.runs + args.null_runs):
        verdicts, _, _ = simulate(run, {1: BASE_RATE, 2: BASE_RATE}, rng, looks)
        false += any(v["status"] == "winner" for v in verdicts)
        early += any(v["status"] == "winner" for v in verdicts[:-1])
    changed, steered, raw_changed = 0, 0, 0
    first = args.runs + args.null_runs
    for run in range(first, first + args.fake_runs):
        _, _, counts = simulate(run, {1: BASE_RATE, 2: BASE_RATE}, rng)
        visit, defended, raw = fake_clicks(run, counts, args.fakes, rng)
        changed += defended != visit
        steered += defended[0] == "winner" and visit[0] != "winner"
        raw_changed += raw != visit
    result = {
        "fake_runs": args.fake_runs, "fakes_per_run": args.fakes, "verdicts_changed_by_fake_clicks": changed,
        "winners_made_by_fake_clicks": steered, "verdicts_changed_when_counted_raw": raw_changed,
        "planned_per_arm": planned, "base_rate": BASE_RATE, "min_effect_pct": EFFECT, "significance": ALPHA,
        "power_planned": POWER, "runs": args.runs, "null_runs": args.null_runs, "looks_per_null_run": len(looks) + 1,
        "power": picked / args.runs, "false_positive_rate": false / args.null_runs,
        "winners_called_before_the_horizon": early, "median_visitors_per_run": float(np.median(visitors)),
        "runtime_s": round(time.perf_counter() - started, 1), "python": platform.python_version(),
    }
    result["targets"] = {**TARGETS, "met": result["power"] >= TARGETS["power"]
                         and result["false_positive_rate"] <= TARGETS["false_positive_rate"]
                         and changed <= TARGETS["verdicts_changed_by_fake_clicks"]}
    print(f"planned sample: {planned:,} impressions per arm (base rate {BASE_RATE:.0%}, +{EFFECT:.0f}%, "
          f"alpha {ALPHA}, power {POWER})")
    print(f"{'case':44} {'runs':>6} {'share':>7} {'target':>8}")
    print(f"{'true lift = smallest effect: picks challenger':44} {args.runs:>6} {result['power']:7.3f} {'>= 0.95':>8}")
    print(f"{'equal arms, 10 looks each: any winner called':44} {args.null_runs:>6} "
          f"{result['false_positive_rate']:7.3f} {'<= 0.05':>8}")
    print(f"{f'{args.fakes} fake clicks/run: verdict changed':44} {args.fake_runs:>6} "
          f"{changed / args.fake_runs:7.3f} {'= 0':>8}")
    print(f"{'  the same fakes counted raw (before): changed':44} {args.fake_runs:>6} "
          f"{raw_changed / args.fake_runs:7.3f} {'':>8}")
    print(f"winners called before the planned sample: {early}; median visitors per run "
          f"{result['median_visitors_per_run']:,.0f}; targets met: {result['targets']['met']}; "
          f"runtime {result['runtime_s']} s")
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
