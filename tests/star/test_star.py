"""STAR analysis: parts and their spans, quantities, reflection, ownership, and the probe chosen."""

from __future__ import annotations

from rolecall.report.star_view import segments, star_view
from rolecall.star import PROBES, analyse, missing_element, split_sentences, star_probe

FULL = (
    "In my previous role at a payments company, our fraud model blocked too many good transactions. "
    "My responsibility was to cut false positives without letting more fraud through. "
    "I started by analysing six months of declined transactions and found a leaking feature. "
    "I rebuilt the feature pipeline and ran a two-week shadow test. "
    "As a result, false positives fell by 35% and we saved about $2M a year. "
    "It taught me to audit features before tuning models."
)


def _label_of(analysis, fragment: str) -> str:
    for s in analysis.sentences:
        if fragment in analysis.text[s.start : s.end]:
            return s.label
    raise AssertionError(fragment)


def test_full_answer_has_every_part_at_the_right_sentence():
    a = analyse(FULL)
    assert a.complete and a.missing == []
    assert _label_of(a, "previous role") == "situation"
    assert _label_of(a, "My responsibility") == "task"
    assert _label_of(a, "I started") == "action"
    assert _label_of(a, "I rebuilt") == "action"
    assert _label_of(a, "As a result") == "result"
    assert _label_of(a, "taught me") == "reflection"
    assert a.quantified and a.quantities == ["35%", "$2M"]
    assert a.reflection
    assert (a.i_count, a.we_count) == (4, 2)
    assert a.ownership == round(4 / 6, 3)
    assert a.words == len(FULL.split())
    assert missing_element(a) is None


def test_spans_are_offsets_into_the_answer():
    a = analyse(FULL)
    (start, end) = a.spans("result")[0]
    assert FULL[start:end].startswith("As a result") and FULL[start:end].endswith("a year.")
    # the two action sentences are adjacent, so they merge into one span
    assert len(a.spans("action")) == 1
    data = a.to_json()
    assert data["parts"]["task"]["present"] is True
    assert all(FULL[s:e].strip() == FULL[s:e] for s, e in data["parts"]["situation"]["spans"])


def test_missing_result_is_probed_first():
    text = FULL.split(" As a result")[0]
    a = analyse(text)
    assert "result" in a.missing
    assert missing_element(a) == "result"
    assert star_probe(None, text) == PROBES["result"]  # type: ignore[arg-type]


def test_we_heavy_answer_is_asked_for_personal_ownership():
    text = (
        "At my last job we were asked to speed up the nightly batch. We built a cache and we rewrote "
        "the joins. We tested it together. As a result we cut the runtime by 40%."
    )
    a = analyse(text)
    assert a.present("action") and a.present("result")
    assert (a.i_count, a.we_count) == (1, 5)  # "my last job" is the one singular
    assert missing_element(a) == "ownership"


def test_unquantified_result_gets_the_numbers_probe():
    text = FULL.replace("fell by 35% and we saved about $2M a year", "fell a lot")
    a = analyse(text)
    assert not a.quantified
    assert missing_element(a) == "quantified"


def test_empty_and_odd_text():
    assert analyse("").sentences == [] and analyse("").missing == ["situation", "task", "action", "result"]
    assert split_sentences("  \n\n ... !!! \n") == []
    a = analyse("`code` <script>alert(1)</script>\n### Not a heading")
    assert a.words > 0


def test_segments_cover_the_text_exactly_and_mark_parts():
    a = analyse(FULL)
    view = star_view({"text": FULL, **a.to_json()})
    segs = view["segments"]
    assert "".join(s["text"] for s in segs) == FULL
    labels = [s["label"] for s in segs if s["label"]]
    assert labels == ["situation", "task", "action", "result", "reflection"]
    # stale or overlapping spans are skipped, never trusted
    bad = segments("short", {"result": {"spans": [[0, 99]]}, "task": {"spans": [[0, 3], [1, 2]]}})
    assert "".join(s["text"] for s in bad) == "short"
