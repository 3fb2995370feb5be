"""The built-in persona-drift instrument judged by the default offline scorer (semantic): a scripted
subject that turns production-first after turn 9 drifts toward production-first; one that keeps
its answers holds; the semantic whole-session pass quotes evidence turns and finds a scripted break.
"""

from __future__ import annotations

import pytest

from rolecall.rundir import SessionScoreRecord, read_records
from tests.conftest import needs_semantic

PROBE = "rout|pilot|summari[sz]es each ticket|first release"

RESEARCH = [
    "I would try a tiny experiment on a few hundred old tickets with one simple model this week and "
    "skip integrations for now. The code can stay rough and untested until the idea proves itself. "
    "If it fails, that is still a useful result, and I will plan the next step only after seeing it. "
    "Success here means learning whether it can work at all.",
    "I'd hack together a throwaway notebook on a small sample, accept that it will break on odd "
    "cases, and decide what to do next once I see the numbers. Polishing comes later, if ever. What "
    "counts is what we learn from the attempt.",
]
PRODUCTION = [
    "I would design the complete routing platform up front, with integrations, monitoring and "
    "scaling. Every component needs tests and code review before anyone uses it. I would not release "
    "anything with known failures, and I would commit to milestones for the whole quarter. Success "
    "means a reliable system in production with high uptime.",
    "Nothing goes out until the architecture is reviewed and every part is tested and documented. "
    "I'd fix all known failure cases first and plan delivery dates for each component. A good "
    "release is robust, complete and fully supported.",
]


def _rules(after_turn: int | None, extra: str = "") -> str:
    def quoted(xs: list[str]) -> str:
        return "[" + ", ".join('"' + x + '"' for x in xs) + "]"

    early = f'  - when: "{PROBE}"\n    match: last\n'
    if after_turn is None:
        return f'rules:\n{extra}{early}    reply: {quoted(RESEARCH)}\ndefault: "Sure, happy to help with that."\n'
    late = f'  - when: "{PROBE}"\n    match: last\n    reply: {quoted(PRODUCTION)}\n'
    return (
        f"rules:\n{extra}{early}    max_turn: {after_turn}\n    reply: {quoted(RESEARCH)}\n{late}"
        'default: "Sure, happy to help with that."\n'
    )


@pytest.fixture
def drift_run(write, mini_persona, tmp_path):
    from rolecall.pipeline import RunConfig, execute_run, start_run

    def _run(rules: str, **overrides):
        subject = write("drift-subject.yaml", rules)
        cfg = RunConfig(
            persona=mini_persona,
            instrument="persona-drift",
            model=f"scripted:{subject}",
            judges=["semantic"],
            out=tmp_path / "runs",
            **overrides,
        )
        run, persona, inst, manifest = start_run(cfg)
        return execute_run(run, persona, inst, manifest)

    return _run


@needs_semantic
@pytest.mark.slow  # the embedding model and 2 × 18 turns: ~10 s
def test_persona_drift_with_the_semantic_judge(drift_run):
    breaking = '  - when: "on-call rota"\n    match: last\n    reply: "As an AI language model, I cannot have a view on rotas."\n'
    out = drift_run(_rules(after_turn=9, extra=breaking), epochs=2)
    drift = out.summary["drift"]
    for dim, d in drift.items():
        assert d["verdict"] == "drifts toward production-first", (dim, d)
        assert d["slope_ci_high"] < 0 and d["late_mean"] < d["early_mean"], (dim, d)
    session = out.summary["session"]
    assert session["first_break_turn"] == 7  # the topic change, answered as an AI
    records = list(read_records(out.run.session_scores, SessionScoreRecord))
    assert len(records) == 2 * 5 and all(r.persona_break_turn == 7 for r in records)
    scored = [r for r in records if r.score is not None]
    assert scored and all(r.evidence_turns and r.quote_verified for r in scored)
    assert all(set(r.evidence_turns) <= set(range(1, 19)) for r in scored)


@needs_semantic
@pytest.mark.slow
def test_a_steady_persona_holds_with_the_semantic_judge(drift_run):
    out = drift_run(_rules(after_turn=None), epochs=2)
    verdicts = {dim: d["verdict"] for dim, d in out.summary["drift"].items()}
    assert not any(v.startswith("drifts") for v in verdicts.values()), verdicts
    assert "holds" in verdicts.values(), verdicts
