"""`rolecall plan` and `--items`: designs projected from a run's G-study, and balanced subsets."""

import json
import subprocess
import sys

import numpy as np
import pytest

from rolecall.analyses.generalizability import generalizability_block
from rolecall.instrument import load_instrument, select_items
from rolecall.plan import components, make_plan
from rolecall.rundir import ScoreRecord
from rolecall.stats.generalizability import anova_components, items_for


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "rolecall", *args], capture_output=True, text=True)


def _records(n_items: int, n_epochs: int, dims: list[str], seed: int, mean: float = 4.2) -> list[ScoreRecord]:
    rng = np.random.default_rng(seed)
    out = []
    for d in dims:
        item_eff = rng.normal(0, 0.6, n_items)
        for i in range(n_items):
            for e in range(n_epochs):
                score = float(np.clip(mean + item_eff[i] + rng.normal(0, 0.5), 1, 5))
                out.append(
                    ScoreRecord(
                        item=f"{d}{i}", epoch=e, dimension=d, judge="j", score=score, subject="persona"
                    )
                )
    return out


def test_block_from_records_matches_the_components(mini_instrument):
    inst, _ = load_instrument(str(mini_instrument))
    recs = _records(8, 3, ["scope", "risk"], 0)
    recs.append(ScoreRecord(item="scope0", epoch=0, dimension="scope", judge="j", score=None, abstained=True))
    recs = [r for r in recs if not (r.item == "scope0" and r.epoch == 0 and r.score is not None)]
    block = generalizability_block(inst, recs, None)
    assert block is not None
    scope = block["scope"]
    assert scope["design"] == {"item": 7, "epoch": 3, "judge": 1} and scope["items_left_out"] == 1
    assert scope["cut"] == 3.0 and scope["cut_source"] == "scale midpoint"
    y = np.array(
        [[r.score for r in recs if r.item == f"scope{i}" and r.dimension == "scope"] for i in range(1, 8)]
    )
    comp = anova_components(y, ("item", "epoch"))
    assert scope["variance"]["item"] == round(max(0, comp.variance[("item",)]), 4)
    assert scope["items_for_g80"] == items_for(comp, 3.0, 0.8, {"epoch": 3, "judge": 1})
    # one epoch, one judge: no second facet, no study
    assert generalizability_block(inst, [r for r in recs if r.epoch == 0], None) is None


def test_make_plan_picks_the_cheapest_design(mini_instrument):
    inst, _ = load_instrument(str(mini_instrument))
    block = generalizability_block(inst, _records(8, 3, ["scope", "risk"], 1), None)
    summary = {
        "generalizability": block,
        "calls": {"subject_calls": 48, "tokens_in": 4800, "tokens_out": 2400},
        "verdicts": {"total": 48},
    }
    plan = make_plan(summary, inst, target=0.8, run_items=3, epochs=3, judges=1, subjects=1, seed=0)
    best = plan.cheapest
    assert best is not None and best.judges == 1
    # the design deciding the most dimensions comes first, the cheapest among those
    assert best.reached == len(plan.reachable) == max(d.reached for d in plan.designs)
    assert best.calls == min(d.calls for d in plan.designs if d.reached == best.reached)
    assert not set(plan.unreachable) & set(plan.reachable) and not plan.elsewhere
    assert best.items_per_dimension == max(plan.reachable.values())
    assert components(block["scope"]).sizes == {"item": 8, "epoch": 3}
    # the mini instrument has 2 items per dimension: asking for more is flagged
    assert all(have == 2 for have in plan.short.values())


def test_select_items_is_balanced_seeded_and_in_order():
    inst, _ = load_instrument("research-orientation")
    ids = select_items(inst, 2, seed=7)
    assert ids == select_items(inst, 2, seed=7)
    chosen = [i for i in inst.items if i.id in ids]
    for d in inst.dimensions:
        assert sum(d.id in i.dimensions for i in chosen) >= 2
    assert ids == [i.id for i in inst.items if i.id in ids]
    assert select_items(inst, 1000, seed=0) == [i.id for i in inst.items]


@pytest.mark.slow
def test_run_with_items_and_plan_from_the_cli(run_scripted, tmp_path):
    out = run_scripted(epochs=2, items_per_dimension=1)
    manifest = json.loads((out.run.path / "manifest.json").read_text())
    asked = manifest["instrument"]["items"]
    assert manifest["instrument"]["items_per_dimension"] == 1 and 1 <= len(asked) < 3
    turns = [json.loads(x) for x in out.run.transcript.read_text().splitlines()]
    assert {t["item"] for t in turns} == set(asked)
    # report regenerates on the same subset
    proc = _cli("report", str(out.run.path))
    assert proc.returncode == 0, proc.stderr
    one_epoch = run_scripted()
    proc = _cli("plan", str(one_epoch.run.path))
    assert proc.returncode == 2 and "--epochs 2" in proc.stderr and "Traceback" not in proc.stderr


def test_plan_cli_prints_the_design_and_cost(run_scripted, mini_instrument):
    out = run_scripted(epochs=3)
    inst, _ = load_instrument(str(mini_instrument))
    summary = json.loads(out.run.summary.read_text())
    summary["generalizability"] = generalizability_block(inst, _records(8, 3, ["scope", "risk"], 2), None)
    out.run.summary.write_text(json.dumps(summary))
    proc = _cli("plan", str(out.run.path), "--target-g", "0.8")
    assert proc.returncode == 0, proc.stderr
    assert "cheapest design for G ≥ 0.8" in proc.stdout and "subject calls" in proc.stdout
    assert "--items" in proc.stdout and "the instrument has 2" in proc.stdout


def test_plan_without_a_g_study_says_why(mini_instrument):
    from rolecall.errors import RolecallError
    from rolecall.instrument import load_instrument
    from rolecall.plan import make_plan

    drift, _ = load_instrument("persona-drift")
    kw = {"target": 0.8, "run_items": 5, "judges": 1, "subjects": 1, "seed": 0}
    with pytest.raises(RolecallError, match="session instrument has no G-study"):
        make_plan({}, drift, epochs=2, **kw)
    mini, _ = load_instrument(mini_instrument)
    with pytest.raises(RolecallError, match="too few of its items"):
        make_plan({}, mini, epochs=2, **kw)
    with pytest.raises(RolecallError, match="--epochs 2 or more"):
        make_plan({}, mini, epochs=1, **kw)
