"""`rolecall agreement`: judge versus human labels, and rater versus rater, on small fixtures
whose figures are computed by hand."""

import json
import subprocess
import sys

import pytest

from rolecall.agreement import agreement, human_labels, rater_agreement
from rolecall.errors import RolecallError
from rolecall.labels import LabelRecord, read_labels
from rolecall.rundir import ScoreRecord


def _v(item: str, score: float | None, *, dim: str = "d", judge: str = "j", abstained: bool = False):
    return ScoreRecord(
        item=item,
        epoch=0,
        dimension=dim,
        judge=judge,
        score=score,
        abstained=abstained,
        abstain_reason="refusal" if abstained else None,
    )


def _l(item: str, score: int | None, rater: str = "ana", dim: str = "d"):
    return LabelRecord(item=item, epoch=0, dimension=dim, score=score, rater=rater)


def test_judge_against_labels_hand_computed():
    verdicts = [_v("a", 1), _v("b", 2), _v("c", 4), _v("d", 5), _v("e", None, abstained=True), _v("f", 3)]
    labels = [_l("a", 1), _l("b", 3), _l("c", 4), _l("d", 5), _l("e", None), _l("f", None)]
    res = agreement(verdicts, labels, 1, 5)["judges"]["j"]["overall"]
    assert res["n"] == 6 and res["n_scored"] == 4
    # ranks (1,2,3,4) vs (1,2,3,4): perfect order
    assert res["spearman"] == pytest.approx(1.0)
    assert res["exact"] == pytest.approx(0.75) and res["within_1"] == pytest.approx(1.0)
    # kappa by hand: observed weighted disagreement 1/16/4 = 0.015625 (one pair 1 apart);
    # expected: marginals h=(1,0,1,1,1)/4 at (1,3,4,5) and j=(1,2,4,5)/4 -> sum w_ij p_i q_j
    import numpy as np

    h = np.array([1, 3, 4, 5]) - 1
    j = np.array([1, 2, 4, 5]) - 1
    w = lambda a, b: (a - b) ** 2 / 16  # noqa: E731
    obs = np.mean([w(a, b) for a, b in zip(h, j, strict=True)])
    exp = np.mean([w(a, b) for a in h for b in j])
    assert res["kappa_quadratic"] == pytest.approx(1 - obs / exp, abs=1e-3)
    ab = res["abstention"]
    assert ab == {
        "labelled_no_evidence": 2,
        "judge_abstained": 1,
        "both": 1,
        "recall": 0.5,
        "false_abstain": 0.0,
    }
    assert res["confusion"]["no evidence"]["no evidence"] == 1 and res["confusion"]["3"]["2"] == 1


def test_unscored_verdicts_are_left_out_and_several_raters_take_the_median():
    verdicts = [_v("a", None), _v("b", 4)]  # a: unparseable, not an abstention
    labels = [_l("b", 3, "ana"), _l("b", 5, "bo"), _l("b", 4, "cy"), _l("a", 2)]
    assert human_labels(labels)[("b", 0, "persona", "d")] == 4
    res = agreement(verdicts, labels, 1, 5)["judges"]["j"]["overall"]
    assert res["n"] == 1 and res["exact"] == 1.0


def test_rater_alpha_and_kappa_hand_computed():
    # two raters, perfect agreement on 4 units: alpha 1, kappa 1
    labels = [_l(u, s, "ana") for u, s in zip("abcd", [1, 2, 4, 5], strict=True)]
    labels += [_l(u, s, "bo") for u, s in zip("abcd", [1, 2, 4, 5], strict=True)]
    r = rater_agreement(labels, 1, 5)
    assert r["krippendorff_alpha"] == pytest.approx(1.0) and r["pairs"]["ana|bo"]["kappa_quadratic"] == 1.0
    # reversed: systematic disagreement gives a negative alpha
    rev = [_l(u, s, "bo") for u, s in zip("abcd", [5, 4, 2, 1], strict=True)]
    r2 = rater_agreement(labels[:4] + rev, 1, 5)
    assert r2["krippendorff_alpha"] < 0 and r2["pairs"]["ana|bo"]["kappa_quadratic"] == pytest.approx(-1.0)


def test_labels_file_errors_name_the_line(write):
    good = write("l.jsonl", '{"item": "q1", "epoch": 0, "dimension": "scope", "score": null, "rater": "a"}\n')
    assert read_labels(good)[0].score is None
    bad = write(
        "b.jsonl",
        '{"item": "q1", "epoch": 0, "dimension": "scope", "score": 4, "rater": "a"}\n{"item": "q1"}\n',
    )
    with pytest.raises(RolecallError, match=r"b.jsonl:2:"):
        read_labels(bad)
    csv = write(
        "l.csv", "item,epoch,subject,dimension,score,rater\nq1,0,persona,scope,,a\nq2,0,persona,scope,4,a\n"
    )
    assert [x.score for x in read_labels(csv)] == [None, 4]


@pytest.mark.slow
def test_agreement_command_end_to_end(run_scripted, write):
    out = run_scripted(epochs=2)
    run = out.run
    scores = [json.loads(x) for x in run.scores.read_text().splitlines()]
    lines = []
    for s in scores:
        human = None if s["score"] is None else round(s["score"])
        for rater in ("ana", "bo"):
            lines.append(
                json.dumps(
                    {
                        "item": s["item"],
                        "epoch": s["epoch"],
                        "subject": s["subject"],
                        "dimension": s["dimension"],
                        "score": human,
                        "rater": rater,
                    }
                )
            )
    (run.path / "labels.jsonl").write_text("\n".join(lines) + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "rolecall", "agreement", str(run.path), "--no-track"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads((run.path / "agreement.json").read_text())
    judge = next(iter(data["judges"]))
    assert data["judges"][judge]["overall"]["exact"] == 1.0
    assert data["raters"]["krippendorff_alpha"] == pytest.approx(1.0)
    summary = json.loads(run.summary.read_text())
    assert summary["agreement"][judge]["within_1"] == 1.0
    assert "Agreement with human labels" in run.report_md.read_text()
    assert "Agreement with human labels" in run.report_html.read_text()


def test_agreement_without_labels_is_one_line(run_scripted):
    out = run_scripted()
    proc = subprocess.run(
        [sys.executable, "-m", "rolecall", "agreement", str(out.run.path), "--no-track"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "labels.jsonl" in proc.stderr and "Traceback" not in proc.stderr


def test_labels_off_the_instrument_name_their_true_line(write):
    csv = write(
        "x.csv", "item,epoch,subject,dimension,score,rater\nq1,0,persona,scope,4,a\nq2,0,persona,nope,4,a\n"
    )
    with pytest.raises(RolecallError, match=r"x.csv:3: unknown dimension 'nope'"):
        read_labels(csv, dimensions={"scope"})
    good = '{"item": "q1", "epoch": 0, "dimension": "scope", "score": 3, "rater": "a"}'
    jl = write("y.jsonl", good + "\n\n" + good.replace('"score": 3', '"score": 9') + "\n")
    with pytest.raises(RolecallError, match=r"y.jsonl:3: score 9 outside the scale 1..5"):
        read_labels(jl, scale=(1, 5))
