import pytest

from rolecall.errors import RolecallError
from rolecall.instrument import builtin_ids, instrument_json_schema, load_instrument

DIMS = {
    "scope_boundaries",
    "quality_tradeoffs",
    "risk_tolerance",
    "time_orientation",
    "success_definition",
}


def test_research_orientation_builtin():
    assert "research-orientation" in builtin_ids()
    inst, digest = load_instrument("research-orientation")
    assert {d.id for d in inst.dimensions} == DIMS
    assert [p.id for p in inst.phases] == ["foundational", "diagnostic", "intent"]
    for d in inst.dimensions:
        assert sum(d.id in i.dimensions for i in inst.items) >= 4, d.id
        assert {1, 3, 5} <= set(d.anchors)
    assert inst.scale.high_label == "research-first"
    assert len(digest) == 64


def test_every_builtin_loads():
    for iid in builtin_ids():
        inst, _ = load_instrument(iid)
        assert inst.id == iid


def test_schema_is_json():
    import json

    schema = json.loads(instrument_json_schema())
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(
    ("mutate", "line", "fragment"),
    [
        (
            lambda t: t.replace("    description: How much scope", "    descripton: How much scope"),
            8,
            "unknown field",
        ),
        (lambda t: t.replace("dimensions: [risk]", "dimensions: [speed]"), 1, "unknown dimension"),
        (
            lambda t: t.replace(
                "phase: p1\n    dimensions: [scope]\n", "phase: p1\n    dimensions: [scope\n"
            ),
            None,
            "invalid YAML",
        ),
        (lambda t: t.replace("max: 5", "max: 1"), 4, "scale.max"),
        (
            lambda t: t.replace("{1: full production scope, 3: balanced, 5: minimal proof}", "{1: a, 5: b}"),
            1,
            "anchor for scale point 3",
        ),
    ],
)
def test_bad_instrument_errors(mini_instrument, mutate, line, fragment):
    text = mutate(mini_instrument.read_text())
    mini_instrument.write_text(text)
    with pytest.raises(RolecallError) as info:
        load_instrument(mini_instrument)
    msg = str(info.value)
    assert fragment in msg, msg
    if line is not None:
        assert msg.startswith(f"{mini_instrument}:{line}:"), msg


def test_unknown_instrument_id():
    with pytest.raises(RolecallError, match="unknown instrument 'nope'"):
        load_instrument("nope")


def test_dimensions_for_an_item_an_id_and_an_unknown_id():
    inst, _ = load_instrument("research-orientation")
    item = inst.items[0]
    assert inst.dimensions_for(item) == list(item.dimensions)
    assert inst.dimensions_for(item.id) == list(item.dimensions)
    assert inst.dimensions_for("not-an-item") == [d.id for d in inst.dimensions]
