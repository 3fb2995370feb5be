"""A hypothesis may name its instrument by id or by file path; either way the run gets a verdict."""

from __future__ import annotations


def test_a_hypothesis_naming_its_instrument_by_path_gets_a_verdict(
    mini_persona, mini_instrument, run_scripted, write
):
    text = mini_persona.read_text(encoding="utf-8").replace(
        "instrument: mini", f"instrument: {mini_instrument}"
    )
    persona = write("by-path.md", text)
    out = run_scripted(persona=persona, instrument=None)
    hyp = out.summary.get("hypothesis")
    assert hyp is not None and hyp["instrument"] == str(mini_instrument)
    assert set(hyp["dimensions"]) == {"scope", "risk"}
