"""`rolecall ablate`: variant personas, effects on a scripted subject whose answers depend on one
section's text, resume, ablation.json against its schema, the reports, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rolecall.ablation import AblationConfig, build_variants, estimate, prepare, run_study, write_result
from rolecall.ablation.findings import overall_finding, variant_finding
from rolecall.ablation.variants import split_sentences, without_sentence
from rolecall.errors import RolecallError
from rolecall.persona import load_persona
from rolecall.pipeline import RunConfig
from rolecall.rundir import RunDir
from rolecall.rundir.ablation import AblationResult
from rolecall.rundir.versioned import read_versioned
from tests.faults.cli import one_line_error, rolecall_inproc
from tests.test_schema import assert_matches

N_ITEMS = 10  # per dimension: an exact sign-flip test over 10 equal pairs gives p = 2/1024

ITEMS = "\n".join(
    [
        f"""  - id: s{i}
    phase: p1
    dimensions: [scope]
    prompt: "Scope question {i}: how much would you build for prototype number {i}?"
"""
        for i in range(1, N_ITEMS + 1)
    ]
    + [
        f"""  - id: r{i}
    phase: p1
    dimensions: [risk]
    prompt: "Risk question {i}: would you ship release number {i} with two open bugs?"
"""
        for i in range(1, N_ITEMS + 1)
    ]
)

INSTRUMENT = f"""\
id: abl
name: Ablation instrument
version: "1"
scale: {{min: 1, max: 5, low_label: production-first, high_label: research-first}}
dimensions:
  - id: scope
    name: Scope
    description: How much the answer builds.
    anchors: {{1: everything, 3: balanced, 5: a minimal test}}
  - id: risk
    name: Risk tolerance
    description: Appetite for shipping with known problems.
    anchors: {{1: never, 3: weighs it, 5: always}}
phases:
  - {{id: p1, name: Phase one}}
items:
{ITEMS}"""

PERSONA = """\
---
hypothesis:
  instrument: abl
  expect: {scope: ">=4"}
---
# Research Engineer

Works on a small applied research team.

## Role
Builds prototypes for a product team. Reports to the head of research.

## Personality
Experiment-driven and curious. Prefers the cheapest test of an idea.

## Constraints
- Must log every run.
- Must not touch production data.
"""

# The subject answers scope questions research-first only when the Personality section's
# "Experiment-driven" is in its system prompt; risk answers never depend on the persona.
SUBJECT = r"""
rules:
  - when: "Experiment-driven.*Scope question"
    reply: ["I would build the smallest experiment that tests the idea, nothing more.", "Only a tiny experiment at first: the smallest thing that answers the question."]
  - when: "Scope question"
    reply: ["I would build the complete production system with monitoring and scaling.", "The full production platform, hardened, before anyone relies on it."]
  - when: "Risk question"
    reply: "I weigh the open issues against the cost of waiting, then decide."
default: "I am not sure."
"""

JUDGE = r"""
rules:
  - when: "Dimension: Scope.*smallest"
    reply: '{"evidence": "smallest", "indicators_seen": [], "reasoning": "minimal", "score": 5}'
  - when: "Dimension: Scope"
    reply: '{"evidence": "production", "indicators_seen": [], "reasoning": "full build", "score": 2}'
  - when: "Dimension: Risk"
    reply: '{"evidence": "cost of waiting", "indicators_seen": [], "reasoning": "weighs it", "score": 3}'
default: '{"evidence": "sure", "indicators_seen": [], "reasoning": "nothing", "score": 3}'
"""


@pytest.fixture
def setup(write, tmp_path):
    """(persona, instrument, subject spec, judge spec) for the scripted study."""
    return (
        write("persona.md", PERSONA),
        write("abl.yaml", INSTRUMENT),
        f"scripted:{write('subject.yaml', SUBJECT)}",
        f"scripted:{write('judge.yaml', JUDGE)}",
    )


def _config(setup, out: Path, **kw) -> AblationConfig:
    persona, instrument, subject, judge = setup
    run_kw = {k: kw.pop(k) for k in ("epochs", "items_per_dimension", "seed") if k in kw}
    return AblationConfig(
        persona=persona,
        run=RunConfig(persona=persona, instrument=str(instrument), model=subject, judges=[judge], **run_kw),
        out=out,
        **kw,
    )


def _study(setup, out: Path, **kw) -> dict:
    study = prepare(_config(setup, out, **kw))
    run_study(study)
    return write_result(study)


# ---------------------------------------------------------------- variants


def test_variants_leave_out_keep_front_matter_title_and_preamble(setup, tmp_path):
    persona, variants = build_variants(setup[0])
    assert [v.key for v in variants] == ["full", "without-role", "without-personality", "without-constraints"]
    full, without = variants[0], variants[2]
    assert full.text == setup[0].read_text()
    assert without.label == "removing Personality"
    assert "## Personality" not in without.text and "Experiment-driven" not in without.text
    assert without.text.startswith("---\nhypothesis:") and "Works on a small applied" in without.text
    path = tmp_path / "v.md"
    path.write_text(without.text)
    parsed = load_persona(path)
    assert parsed.name == persona.name and parsed.hypothesis == persona.hypothesis
    assert [s.title for s in parsed.sections] == ["Role", "Constraints"]
    assert parsed.preamble == persona.preamble


def test_only_keeps_title_and_one_section(setup, tmp_path):
    _, variants = build_variants(setup[0], mode="only", sections=["constraints"])
    assert [v.key for v in variants] == ["full", "only-constraints"]
    path = tmp_path / "v.md"
    path.write_text(variants[1].text)
    parsed = load_persona(path)
    assert [s.title for s in parsed.sections] == ["Constraints"]
    assert parsed.preamble == "" and parsed.hypothesis is not None
    assert variants[1].label == "keeping only Constraints"


def test_sentence_variants(setup, tmp_path):
    _, variants = build_variants(setup[0], sentences_of="personality")
    assert [v.key for v in variants[1:]] == [
        "without-personality-sentence-1",
        "without-personality-sentence-2",
    ]
    assert variants[1].sentence_text == "Experiment-driven and curious."
    path = tmp_path / "v.md"
    path.write_text(variants[1].text)
    sections = {s.title: s.body for s in load_persona(path).sections}
    assert sections["Personality"] == "Prefers the cheapest test of an idea."
    assert sections["Role"].startswith("Builds prototypes")
    # list lines are sentences too; cutting one removes its line, marker and all
    body = "- Must log every run.\n- Must not touch production data."
    parts = split_sentences(body)
    assert [p.text for p in parts] == ["Must log every run.", "Must not touch production data."]
    assert without_sentence(body, parts[0]) == "- Must not touch production data."
    assert without_sentence("A one. B two. C three.", split_sentences("A one. B two. C three.")[1]) == (
        "A one. C three."
    )


def test_yaml_persona_variants(write, tmp_path):
    path = write(
        "p.yaml",
        """
        title: Data Scientist
        hypothesis: {instrument: research-orientation, expect: {scope_boundaries: ">=4"}}
        sections:
          Role: Analyses experiments.
          Habits: [Writes notebooks, Reads papers]
        """,
    )
    persona, variants = build_variants(path)
    assert variants[1].suffix == ".yaml"
    out = tmp_path / "v.yaml"
    out.write_text(variants[1].text)
    parsed = load_persona(out)
    assert [s.title for s in parsed.sections] == ["Habits"] and parsed.hypothesis == persona.hypothesis


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"sections": ["Nope"]}, "unknown section 'Nope'; the persona's sections are: Role, Personality"),
        ({"mode": "middle"}, "--mode 'middle': choose one of leave-out, only"),
        ({"sentences_of": "Role", "sections": ["Role"]}, "not both"),
    ],
)
def test_bad_input(setup, kwargs, fragment):
    with pytest.raises(RolecallError) as exc:
        build_variants(setup[0], **kwargs)
    assert fragment in str(exc.value)


def test_one_sentence_section_and_one_section_persona(write):
    p = write("one.md", "# Solo\n\n## Role\nBuilds things quickly.\n")
    with pytest.raises(RolecallError, match="single sentence"):
        build_variants(p, sentences_of="role")
    with pytest.raises(RolecallError, match="has one section"):
        build_variants(p)
    _, variants = build_variants(p, mode="only")  # keeping the one section alone is allowed
    assert len(variants) == 2


# ---------------------------------------------------------------- findings


def _e(effect, lo, hi, sig):
    return {"effect": effect, "ci_low": lo, "ci_high": hi, "significant": sig}


def test_findings_come_from_the_intervals():
    names = {"time": "Time orientation", "risk": "Risk tolerance"}
    found = variant_finding(
        "removing Personality",
        {"time": _e(-1.2, -1.8, -0.6, True), "risk": _e(0.1, -0.3, 0.4, False)},
        names,
        4,
    )
    assert found == "removing Personality lowers time orientation by 1.20 [0.60, 1.80]"
    none = variant_finding(
        "removing Role", {"time": _e(0.1, -0.2, 0.5, False), "risk": _e(0.3, 0.1, 0.6, False)}, names, 4
    )
    assert none.startswith(
        "removing Role has no detectable effect (every 95% interval lies within [-0.20, +0.60])"
    )
    assert (
        "risk tolerance [+0.10, +0.60]: its interval excludes 0, but not after Holm's correction for 4 tests"
        in none
    )
    variants = [
        {"label": "removing Personality", "dimensions": {"time": _e(-1.2, -1.8, -0.6, True)}},
        {"label": "removing Role", "dimensions": {"time": _e(0.0, -0.2, 0.2, False)}},
    ]
    assert overall_finding(variants, names, "section") == (
        "removing Personality lowers time orientation by 1.20 [0.60, 1.80]; "
        "no other section has a detectable effect"
    )
    assert (
        overall_finding(variants[1:], names, "sentence")
        == "no sentence has a detectable effect on any dimension"
    )


# ---------------------------------------------------------------- the study end to end


def test_removing_the_section_that_drives_scope_shows_a_large_significant_effect(setup, tmp_path):
    out = tmp_path / "abl"
    result = _study(setup, out)
    by = {v["section"]: v for v in result["sections"]}
    scope = by["Personality"]["dimensions"]["scope"]
    assert scope["effect"] == -3.0 and scope["n_pairs"] == N_ITEMS
    assert scope["significant"] and scope["p_holm"] < 0.05 and scope["cliffs_delta"] == -1.0
    assert scope["mean_full"] == 5.0 and scope["mean_variant"] == 2.0
    assert not by["Personality"]["dimensions"]["risk"]["significant"]
    for other in ("Role", "Constraints"):
        assert not any(e["significant"] for e in by[other]["dimensions"].values())
        assert by[other]["dimensions"]["scope"]["effect"] == 0.0
        assert by[other]["quotes"] == {}
    assert result["tests"] == 6
    assert result["overall"] == (
        "removing Personality lowers scope by 3.00 [3.00, 3.00]; no other section has a detectable effect"
    )
    quote = by["Personality"]["quotes"]["scope"]
    assert quote["before"]["score"] == 5.0 and quote["after"]["score"] == 2.0
    assert quote["before"]["quote"] == "smallest" and quote["after"]["quote"] == "production"
    assert "smallest" in quote["before"]["answer"] and "production" in quote["after"]["answer"]
    assert quote["question"].startswith("Scope question")
    # counted per variant, and the typed file round-trips through its model
    assert by["Role"]["counts"]["verdicts"] == 2 * N_ITEMS and by["Role"]["counts"]["unscored"] == 0
    written = json.loads((out / "ablation.json").read_text())
    assert written["schema_version"] == 1
    assert read_versioned(out / "ablation.json", written, AblationResult, rebuild=None) == written
    assert_matches("ablation", written)  # the JSON Schema `rolecall schema ablation` prints
    # each variant is an ordinary run directory with its own persona file
    run = RunDir(Path(by["Personality"]["run"]))
    manifest = run.read_manifest()
    assert manifest.persona is not None
    assert Path(manifest.persona.path) == (out / "without-personality" / "persona.md").resolve()
    assert run.read_summary()["hypothesis"]["verdict"] == "not validated"
    assert RunDir(Path(result["full"])).read_summary()["hypothesis"]["verdict"] == "validated"
    md = (out / "ablation.md").read_text()
    assert md.startswith("# Ablation — Research Engineer on Ablation instrument")
    assert "**Removing Personality lowers scope by 3.00 [3.00, 3.00]" in md
    assert "| removing Personality | -3.00 [-3.00, -3.00] ★ |" in md
    assert "evidence “smallest”" in md and "> I would build the complete production system" in md
    html = (out / "ablation.html").read_text()
    assert "<svg" in html and 'class="sig"' in html and html.count('class="sig"') == 1


def test_resume_skips_finished_variants_and_refuses_other_settings(setup, tmp_path):
    out = tmp_path / "abl"
    first = _study(setup, out, sections=["Personality"])
    again = prepare(_config(setup, out, sections=["Personality"]))
    assert all(vr.complete for vr in again.runs)
    est = estimate(again)
    assert est.runs == 0 and est.subject_calls == 0 and est.skipped == 2
    assert run_study(again) == []  # nothing re-run
    assert write_result(again)["sections"][0]["run"] == first["sections"][0]["run"]
    # a new section joins the same study; the full persona's run is reused
    more = prepare(_config(setup, out, sections=["Personality", "Role"]))
    assert [vr.complete for vr in more.runs] == [True, False, True]
    assert estimate(more).conversations == 2 * N_ITEMS
    # an interrupted run resumes where it stopped: drop half of one run's transcript
    run = RunDir(Path(first["sections"][0]["run"]))
    lines = run.transcript.read_text().splitlines(keepends=True)
    run.transcript.write_text("".join(lines[: len(lines) // 2]))
    run.summary.unlink()
    resumed = prepare(_config(setup, out, sections=["Personality"]))
    assert not resumed.runs[1].complete and len(resumed.runs[1].pending) == N_ITEMS
    run_study(resumed)
    assert write_result(resumed)["sections"][0]["dimensions"]["scope"]["effect"] == -3.0
    assert len(list((out / "without-personality").glob("*/manifest.json"))) == 1
    with pytest.raises(RolecallError, match="another --epochs"):
        prepare(_config(setup, out, sections=["Personality"], epochs=2))


def test_a_changed_persona_is_refused_in_the_same_directory(setup, tmp_path):
    out = tmp_path / "abl"
    study = prepare(_config(setup, out, sections=["Role"]))
    from rolecall.ablation.study import write_variants

    write_variants(study)
    setup[0].write_text(PERSONA.replace("curious", "careful"))
    with pytest.raises(RolecallError, match="the persona changed"):
        prepare(_config(setup, out, sections=["Role"]))


def test_estimate_counts_calls_and_tokens(setup, tmp_path):
    study = prepare(_config(setup, tmp_path / "abl", items_per_dimension=2))
    est = estimate(study)
    assert est.runs == 4 and est.conversations == 4 * 4 and est.subject_calls == 16
    assert est.tokens_out == 16 * 320 and est.tokens_in > 16 * 30
    assert est.judge_calls == 16  # one scripted (LLM) judge, one dimension per item
    # 2 items per dimension cannot give p < 0.05 over 6 tests; 8 can (6 * 2/2^8 = 0.047)
    assert est.tests == 6 and est.items_per_dimension == 2
    assert est.best_p_holm == 1.0 and est.items_needed == 8


# ---------------------------------------------------------------- the command


def test_cli_end_to_end(setup, tmp_path):
    persona, instrument, subject, judge = setup
    out = tmp_path / "abl"
    args = ["ablate", str(persona), "-i", str(instrument), "-m", subject, "-j", judge]
    res = rolecall_inproc(*args, "--sections", "Personality,Constraints", "--out", str(out), "--yes")
    assert res.returncode == 0, res.stderr
    assert "planned: 3 runs, 60 conversations, up to 60 subject calls" in res.stderr
    assert "finding: removing Personality lowers scope by 3.00 [3.00, 3.00]; no other section" in res.stdout
    assert (out / "ablation.json").is_file() and (out / "ablation.html").is_file()
    again = rolecall_inproc(*args, "--sections", "Personality,Constraints", "--out", str(out))
    assert again.returncode == 0 and "planned: 0 runs" in again.stderr and "already finished" in again.stderr
    # the variant runs are ordinary runs
    variant = next((out / "without-personality").glob("*/manifest.json")).parent
    assert rolecall_inproc("check", str(variant)).returncode == 1  # its hypothesis is not validated
    full = next((out / "full").glob("*/manifest.json")).parent
    cmp = rolecall_inproc("compare", str(full), str(variant), "--no-track")
    assert cmp.returncode == 0, cmp.stderr


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        (["--sections", "Hobbies"], ("unknown section 'Hobbies'",)),
        (["--mode", "sideways"], ("--mode 'sideways'",)),
        (["--epochs", "0"], ("--epochs must be at least 1",)),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(setup, tmp_path, extra, fragments):
    persona, instrument, subject, judge = setup
    args = ["ablate", str(persona), "-i", str(instrument), "-m", subject, "-j", judge, *extra]
    one_line_error(rolecall_inproc(*args, "--out", str(tmp_path / "x")), *fragments)
    assert not (tmp_path / "x").exists()


def test_cli_persona_without_sections_and_one_sentence_section(write, tmp_path):
    bare = write("bare.md", "# Nobody\n\nJust a title and a line.\n")
    one_line_error(
        rolecall_inproc("ablate", str(bare), "--out", str(tmp_path / "o")), "no '## Section' headings"
    )
    one = write("one.md", "# Solo\n\n## Role\nBuilds things quickly.\n\n## Habits\nReads. Writes.\n")
    one_line_error(
        rolecall_inproc("ablate", str(one), "--sentences", "role", "--out", str(tmp_path / "o")),
        "section 'Role' has a single sentence",
    )


def test_schema_lists_ablation():
    res = rolecall_inproc("schema", "ablation")
    assert res.returncode == 0
    schema = json.loads(res.stdout)
    assert {"persona", "instrument", "full", "mode", "sections"} <= set(schema["required"])
    effect = schema["$defs"]["Effect"]["properties"]
    assert {"effect", "ci_low", "ci_high", "p", "p_holm", "cliffs_delta"} <= set(effect)


def test_sentence_study_finds_the_sentence(setup, tmp_path):
    result = _study(setup, tmp_path / "abl", sentences_of="Personality")
    assert result["unit"] == "sentence" and result["sentences_of"] == "Personality"
    first, second = result["sections"]
    assert first["sentence"] == {"index": 1, "text": "Experiment-driven and curious."}
    assert first["dimensions"]["scope"]["significant"] and first["dimensions"]["scope"]["effect"] == -3.0
    assert not any(e["significant"] for e in second["dimensions"].values())
    assert result["overall"] == (
        "removing sentence 1 of Personality lowers scope by 3.00 [3.00, 3.00]; "
        "no other sentence has a detectable effect"
    )
    md = (tmp_path / "abl" / "ablation.md").read_text()
    assert "| 1 | Experiment-driven and curious. |" in md


def test_only_mode_keeps_the_driving_section(setup, tmp_path):
    result = _study(setup, tmp_path / "abl", mode="only", sections=["Role", "Personality"])
    by = {v["section"]: v for v in result["sections"]}
    assert by["Role"]["label"] == "keeping only Role"
    assert (
        by["Role"]["dimensions"]["scope"]["effect"] == -3.0
        and by["Role"]["dimensions"]["scope"]["significant"]
    )
    assert by["Personality"]["dimensions"]["scope"]["effect"] == 0.0
    assert result["overall"].startswith("keeping only Role lowers scope by 3.00")


def test_cli_asks_on_a_terminal_and_stops_when_declined(setup, tmp_path, monkeypatch):
    import typer

    persona, instrument, subject, judge = setup
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    asked = []
    monkeypatch.setattr(typer, "confirm", lambda *a, **k: asked.append(a) or False)
    out = tmp_path / "abl"
    res = rolecall_inproc(
        "ablate", str(persona), "-i", str(instrument), "-m", subject, "-j", judge, "--out", str(out)
    )
    assert res.returncode == 1 and asked and "nothing started" in res.stderr
    assert "planned: 4 runs" in res.stderr and not out.exists()
    assert "note: with" not in res.stderr  # 10 items per dimension can detect an effect over 6 tests
    few = rolecall_inproc(
        "ablate",
        str(persona),
        "-i",
        str(instrument),
        "-m",
        subject,
        "-j",
        judge,
        "--items",
        "2",
        "--out",
        str(out),
    )
    assert "note: with 2 items per dimension no effect can be significant" in few.stderr
    assert "--items 8 or more" in few.stderr


@pytest.mark.slow  # imports MLflow and logs five runs into SQLite: ~10 s
def test_mlflow_parent_with_one_child_per_variant(setup, tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.delenv("ROLECALL_NO_TRACK")
    persona, instrument, subject, judge = setup
    uri = f"sqlite:///{tmp_path / 'ml.db'}"
    out = tmp_path / "abl"
    args = ["ablate", str(persona), "-i", str(instrument), "-m", subject, "-j", judge]
    res = rolecall_inproc(*args, "--sections", "Role,Personality", "--out", str(out), "--tracking-uri", uri)
    assert res.returncode == 0, res.stderr
    assert "with 3 child runs" in res.stderr
    client = mlflow.MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("rolecall/Research Engineer")
    runs = client.search_runs([exp.experiment_id])
    parents = [r for r in runs if r.data.tags.get("rolecall.kind") == "ablation"]
    assert len(parents) == 1
    parent = parents[0]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(children) == 3
    assert parent.data.metrics["without-personality.scope.effect"] == -3.0
    assert parent.data.metrics["without-personality.scope.significant"] == 1.0
    assert {a.path for a in client.list_artifacts(parent.info.run_id)} >= {"ablation.json", "ablation.html"}
