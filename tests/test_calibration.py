"""`rolecall calibrate` on labels whose true mapping from the judge's score is known."""

import itertools
import json
import subprocess
import sys

import numpy as np
import pytest

from rolecall.calibration import MIN_LABELS, fit, isotonic_fit
from rolecall.errors import RolecallError


def _true(x: float) -> float:
    return 1 + (x - 1) ** 2 / 4  # a convex monotone map of 1..5 onto 1..5


def test_isotonic_recovers_a_known_monotone_map():
    rng = np.random.default_rng(0)
    x = list(rng.uniform(1, 5, 400))
    y = [_true(v) + rng.normal(0, 0.2) for v in x]
    kx, ky = isotonic_fit(x, y)
    assert all(b >= a for a, b in itertools.pairwise(ky))  # non-decreasing
    for probe in (1.5, 2.5, 3.5, 4.5):
        assert float(np.interp(probe, kx, ky)) == pytest.approx(_true(probe), abs=0.25)


def test_fit_reports_cross_validated_gain_and_refuses_thin_dimensions():
    rng = np.random.default_rng(1)
    x = list(rng.uniform(1, 5, 200))
    y = [float(np.clip(round(_true(v)), 1, 5)) for v in x]
    cal = fit({"scope": list(zip(x, y, strict=True))}, instrument="mini", judge="j", lo=1, hi=5)
    cv = cal.dimensions["scope"].cv
    assert cv["kappa_quadratic"] > cv["raw_kappa_quadratic"]
    assert cv["within_1"] >= cv["raw_within_1"]
    assert cal.apply(5.0, "scope") == pytest.approx(5.0, abs=0.3) and cal.apply(3.0, "other") == 3.0
    with pytest.raises(RolecallError, match="at least"):
        fit({"risk": [(1.0, 1.0)] * (MIN_LABELS - 1)}, instrument="mini", judge="j", lo=1, hi=5)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "rolecall", *args], capture_output=True, text=True)


def test_calibrate_then_apply_to_a_run(run_scripted, tmp_path, write):
    out = run_scripted(epochs=6)
    run = out.run
    scores = [json.loads(x) for x in run.scores.read_text().splitlines()]
    judge = scores[0]["judge"]
    # the raters consistently score one point below the judge (floor 1): a map the fit must find
    labels = [
        {
            "item": s["item"],
            "epoch": s["epoch"],
            "subject": s["subject"],
            "dimension": s["dimension"],
            "score": max(1, round(s["score"]) - 1),
            "rater": "ana",
        }
        for s in scores
        if s["score"] is not None
    ]
    run.labels.write_text("".join(json.dumps(x) + "\n" for x in labels))
    cal = tmp_path / "cal.json"
    proc = _cli("calibrate", str(run.path), "--out", str(cal))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(cal.read_text())
    assert (
        data["judge"] == judge
        and data["instrument"] == "mini"
        and set(data["dimensions"]) == {"scope", "risk"}
    )
    before = json.loads(run.summary.read_text())["dimensions"]["scope"]["mean"]
    proc = _cli("report", str(run.path), "--calibration", str(cal))
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(run.summary.read_text())
    assert summary["dimensions"]["scope"]["mean"] == pytest.approx(before - 1, abs=0.05)
    assert summary["calibration"]["judge"] == judge
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["calibration"]["sha256"] and manifest["calibration"]["method"] == "isotonic"
    # a changed calibration file is refused until applied again
    cal.write_text(cal.read_text().replace('"method"', ' "method"'))
    proc = _cli("report", str(run.path))
    assert proc.returncode == 2 and "changed" in proc.stderr


def test_calibration_for_another_instrument_is_refused(run_scripted, tmp_path):
    out = run_scripted()
    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps({"instrument": "other", "judge": "j", "scale": [1, 5], "dimensions": {}}))
    proc = _cli("report", str(out.run.path), "--calibration", str(cal))
    assert proc.returncode == 2 and "not 'mini'" in proc.stderr and "Traceback" not in proc.stderr


def test_too_few_labels_is_one_line(run_scripted):
    out = run_scripted()
    s = json.loads(out.run.scores.read_text().splitlines()[0])
    out.run.labels.write_text(
        json.dumps({"item": s["item"], "epoch": 0, "dimension": s["dimension"], "score": 3, "rater": "a"})
        + "\n"
    )
    proc = _cli("calibrate", str(out.run.path), "--out", str(out.run.path / "c.json"))
    assert proc.returncode == 2 and "at least" in proc.stderr
