from pathlib import Path

import pytest

from rolecall.errors import RolecallError
from rolecall.persona import load_persona

REPO = Path(__file__).resolve().parents[2]


def test_example_persona_parses_with_hypothesis():
    p = load_persona(REPO / "examples/personas/ml-engineer.md")
    assert p.name == "Machine Learning Engineer"
    titles = [s.title for s in p.sections]
    assert {"Role", "Personality", "Constraints", "Decision Hierarchy", "When to Escalate"} <= set(titles)
    assert p.hypothesis is not None and p.hypothesis.instrument == "research-orientation"
    assert set(p.hypothesis.expect) == {
        "scope_boundaries",
        "quality_tradeoffs",
        "risk_tolerance",
        "time_orientation",
        "success_definition",
    }
    prompt = p.system_prompt()
    assert "Experiment-driven scientist" in prompt
    assert "## Constraints" in prompt
    assert "## Constraints" not in p.system_prompt(without=frozenset({"constraints"}))
    assert len(p.content_hash) == 64


def test_yaml_persona(write):
    path = write(
        "p.yaml",
        """
        title: Tester
        sections:
          Role: Tests things.
          Constraints: [no prod access, logs everything]
        """,
    )
    p = load_persona(path)
    assert p.name == "Tester"
    assert p.section("constraints").body == "- no prod access\n- logs everything"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("## Role\nx\n", 1, "H1"),
        ("# T\n## Role\nx\n## Role\ny\n", 4, "appears twice"),
        ("# T\n## Role\n\n## Other\nz\n", 2, "is empty"),
        ("---\nhypothesis: [1\n---\n# T\n## R\nx\n", 3, "invalid YAML"),
        ("---\nhypotheses: {}\n---\n# T\n## R\nx\n", 2, "unknown front-matter key"),
        (
            "---\nhypothesis:\n  instrument: x\n  expekt: {}\n---\n# T\n## R\nx\n",
            4,
            "unknown field",
        ),
        ("---\nname: x\n# T\n## R\nx\n", 1, "never closed"),
        ("# T\ntext only\n", None, "no '## Section'"),
    ],
)
def test_bad_persona_names_file_and_line(write, text, line, fragment):
    path = write("bad.md", text)
    with pytest.raises(RolecallError) as info:
        load_persona(path)
    msg = str(info.value)
    assert fragment in msg
    assert "\n" not in msg
    assert msg.startswith(str(path) + (f":{line}:" if line else ":"))


def test_headings_inside_code_fences_are_not_sections(write):
    p = load_persona(write("f.md", "# T\n## Role\n```\n# not a title\n## not a section\n```\n"))
    assert [s.title for s in p.sections] == ["Role"]


def test_missing_file():
    with pytest.raises(RolecallError, match="not found"):
        load_persona("/nonexistent/persona.md")


def test_hypothesis_naming_an_unknown_instrument_points_at_the_persona(write):
    from rolecall.errors import RolecallError
    from rolecall.persona import load_persona
    from rolecall.pipeline import resolve_instrument

    path = write(
        "p.md",
        """
        ---
        hypothesis:
          instrument: no-such-instrument
          expect: {scope: ">=4"}
        ---
        # Someone
        ## Role
        Does things.
        """,
    )
    with pytest.raises(RolecallError) as err:
        resolve_instrument(load_persona(path), None)
    assert str(err.value).startswith(f"{path}:3: hypothesis: unknown instrument 'no-such-instrument'")


def test_persona_styles_frame_the_role_differently(tmp_path):
    from rolecall.persona import load_persona

    path = tmp_path / "p.md"
    path.write_text("# Research Engineer\n\n## Role\nBuilds prototypes.\n", encoding="utf-8")
    p = load_persona(path)
    role = p.system_prompt()
    first = p.system_prompt(style="first-person")
    assert role.startswith("You are acting as the following persona: Research Engineer.")
    assert first.startswith("You are Research Engineer.") and "Do not give general advice" in first
    assert "## Role\nBuilds prototypes." in first
    assert p.reminder("role") is None and "Research Engineer" in (p.reminder("reminder") or "")
