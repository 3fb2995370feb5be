"""Typed, versioned run files: `rolecall schema NAME`, and summaries, timing, compare and rerun files
that match the schema printed for them; an older summary is migrated, a newer one refused.

``jsonschema`` is not installed in this project's environment, so the printed schemas are checked
with the small validator below (it knows every keyword pydantic emits, and fails on any other),
and the files are also validated with the pydantic models the schemas come from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest

from rolecall.cli.schema_cmd import SCHEMAS
from rolecall.errors import RolecallError
from rolecall.rundir import RunDir
from rolecall.rundir.compare import CompareResult, RerunResult
from rolecall.rundir.summary import (
    CalibrationApplied,
    DimensionVerdict,
    OverallVerdict,
    StarPart,
    Summary,
    Timing,
    Validated,
)
from rolecall.rundir.versioned import SCHEMA_VERSION, dump_versioned
from tests.faults.cli import Result, one_line_error, rolecall_inproc
from tests.test_hiring import INSTRUMENT as HIRING
from tests.test_hiring import JUDGE as HIRING_JUDGE
from tests.test_hiring import SUBJECT as HIRING_SUBJECT

# ---------------------------------------------------------------- a validator for the printed schemas

_ANNOTATIONS = {"title", "description", "default", "$defs", "examples"}
_KEYWORDS = _ANNOTATIONS | {
    "$ref",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "items",
    "anyOf",
    "enum",
    "const",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "pattern",
}
_TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def schema_errors(schema: dict[str, Any], value: Any, root: dict[str, Any], where: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema`` (JSON Schema, the keywords pydantic emits)."""
    unknown = set(schema) - _KEYWORDS
    assert not unknown, f"{where}: the test validator does not know {sorted(unknown)}"
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return schema_errors(root["$defs"][name], value, root, where)
    if "anyOf" in schema:
        if all(schema_errors(s, value, root, where) for s in schema["anyOf"]):
            return [f"{where}: matches none of anyOf"]
        return []
    errs: list[str] = []
    if "type" in schema and not _TYPES[schema["type"]](value):
        return [f"{where}: {value!r:.60} is not {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        errs.append(f"{where}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errs.append(f"{where}: {value!r} is not {schema['const']!r}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errs += [f"{where}: lacks {k!r}" for k in schema.get("required", []) if k not in value]
        for k, v in value.items():
            if "propertyNames" in schema:
                errs += schema_errors(schema["propertyNames"], k, root, f"{where}.{k}(key)")
            if k in props:
                errs += schema_errors(props[k], v, root, f"{where}.{k}")
            elif schema.get("additionalProperties") is False:
                errs.append(f"{where}: unexpected key {k!r}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errs += schema_errors(schema["additionalProperties"], v, root, f"{where}.{k}")
    if isinstance(value, list):
        if "items" in schema:
            for i, v in enumerate(value):
                errs += schema_errors(schema["items"], v, root, f"{where}[{i}]")
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            errs.append(f"{where}: {len(value)} items")
    return errs


def printed_schema(name: str) -> dict[str, Any]:
    res = rolecall_inproc("schema", name)
    assert res.returncode == 0, res.stderr
    schema: dict[str, Any] = json.loads(res.stdout)
    return schema


def assert_matches(name: str, data: dict[str, Any]) -> None:
    errs = schema_errors(printed_schema(name), data, printed_schema(name))
    assert not errs, errs[:10]


# ---------------------------------------------------------------- the command


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_each_schema_prints(name):
    schema = printed_schema(name)
    assert schema["type"] == "object" and schema["properties"]
    # every keyword in it is one the validator above understands
    assert schema_errors({}, None, schema) == []


def test_summary_schema_is_the_model_and_versioned():
    schema = printed_schema("summary")
    assert schema == Summary.model_json_schema()
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert {"schema_version", "instrument", "dimensions", "overall"} <= set(schema["required"])
    # optional blocks are left out, never null
    assert "timing" not in schema["required"]
    assert "null" not in json.dumps(schema["properties"]["timing"])


def test_unknown_schema_is_one_line_listing_the_names():
    line = one_line_error(rolecall_inproc("schema", "nope"), "unknown schema 'nope'")
    assert all(n in line for n in SCHEMAS)


# ---------------------------------------------------------------- every optional block, validated


def _labels(run: Path) -> None:
    """Two raters who agree with the judges but for a point here and there."""
    scores = [json.loads(x) for x in (run / "scores.jsonl").read_text().splitlines()]
    rows = [
        {
            "item": s["item"],
            "epoch": s["epoch"],
            "subject": s["subject"],
            "dimension": s["dimension"],
            "score": max(1, round(s["score"]) - (i % 3 == 0)),
            "rater": rater,
        }
        for i, s in enumerate(scores)
        if s["score"] is not None and s["subject"] == "persona"
        for rater in ("ana", "bo")
    ]
    (run / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def _ok(res: Result) -> Result:
    assert res.returncode == 0, res.stdout + res.stderr
    return res


@pytest.fixture
def full_run(run_scripted, tmp_path, monkeypatch) -> Path:
    """Baseline, hypothesis, generalizability (epochs), timing, agreement and a calibration."""
    import rolecall.agreement

    monkeypatch.setattr(rolecall.agreement, "BOOTSTRAP", 40)  # this test is about the files
    run = run_scripted(epochs=6, baseline=True).run.path
    _labels(run)
    _ok(rolecall_inproc("agreement", str(run)))
    _ok(rolecall_inproc("calibrate", str(run), "--out", str(tmp_path / "cal.json")))
    _ok(rolecall_inproc("report", str(run), "--calibration", str(tmp_path / "cal.json")))
    return run


@pytest.fixture
def hiring_run(write, run_scripted) -> Path:
    """STAR probes, ranking, levels and pressure (tests/test_hiring.py)."""
    inst = write("hiring.yaml", HIRING)
    subject = write("hiring-subject.yaml", HIRING_SUBJECT)
    judge = write("hiring-judge.yaml", HIRING_JUDGE)
    return run_scripted(instrument=str(inst), subject=subject, judge=judge).run.path


@pytest.fixture
def session_run(write, run_scripted) -> Path:
    """A session: drift and the whole-session judgement (tests/test_session.py)."""
    from tests.test_session import DRIFTING, JUDGE, SESSION_INSTRUMENT

    inst = write("session.yaml", SESSION_INSTRUMENT)
    subject = write("session-subject.yaml", DRIFTING)
    judge = write("session-judge.yaml", JUDGE)
    return run_scripted(instrument=str(inst), subject=subject, judge=judge, epochs=2, baseline=True).run.path


@pytest.mark.slow  # three full runs, one ranking with the real embedding model: 3-7 s
def test_summaries_with_every_optional_block_match_the_printed_schema(full_run, hiring_run, session_run):
    summaries = [json.loads((r / "summary.json").read_text()) for r in (full_run, hiring_run, session_run)]
    for summary in summaries:
        assert summary["schema_version"] == SCHEMA_VERSION
        assert_matches("summary", summary)
        Summary.model_validate(summary)
    seen = {k for s in summaries for k in s}
    assert seen == set(Summary.model_fields), set(Summary.model_fields) - seen  # every block covered
    full, hiring, session = summaries
    assert session["drift"]["scope"]["baseline"] and "expected" not in session["drift"]["scope"]
    assert {"validated", "warning"} <= set(full["judges"][next(iter(full["judges"]))]["validity"])
    assert full["timing"]["models"] and "wall_s" in full["timing"] and "schema_version" not in full["timing"]
    assert hiring["dimensions"]["ownership"]["level"]["level"] == "senior"
    assert any("probe" in a for a in hiring["star"]["answers"])
    # what the pipeline returned is what it wrote; reading it back gives the same
    assert RunDir(full_run).read_summary() == summaries[0]


def test_timing_compare_and_rerun_files_match_their_schemas(run_scripted, tmp_path):
    a = run_scripted(epochs=2).run.path
    b = run_scripted(epochs=2).run.path
    timing = json.loads((a / "timing.json").read_text())
    assert timing["schema_version"] == SCHEMA_VERSION and timing["wall_s"] > 0
    assert_matches("timing", timing)
    Timing.model_validate(timing)

    _ok(rolecall_inproc("compare", str(a), str(b), "--out", str(tmp_path / "cmp")))
    compared = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert compared["schema_version"] == SCHEMA_VERSION
    assert_matches("compare", compared)
    CompareResult.model_validate(compared)

    res = rolecall_inproc("rerun", str(a), "--out", str(tmp_path / "again"))
    assert res.returncode in (0, 1), res.stderr
    (new,) = (tmp_path / "again").iterdir()
    rerun = json.loads((new / "rerun.json").read_text())
    assert rerun["schema_version"] == SCHEMA_VERSION and rerun["of"] == str(a)
    assert_matches("rerun", rerun)
    RerunResult.model_validate(rerun)


# ---------------------------------------------------------------- versions


@pytest.fixture
def done(run_scripted) -> Path:
    return run_scripted().run.path


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_a_summary_from_before_versions_is_migrated(done):
    _edit(done / "summary.json", lambda d: d.pop("schema_version"))
    _edit(done / "timing.json", lambda d: d.pop("schema_version"))
    summary = RunDir(done).read_summary()
    assert summary["schema_version"] == SCHEMA_VERSION
    assert RunDir(done).read_timing()["schema_version"] == SCHEMA_VERSION  # type: ignore[index]
    res = rolecall_inproc("check", str(done))
    assert res.returncode in (0, 1) and "hypothesis:" in res.stdout, res.stderr
    _ok(rolecall_inproc("report", str(done)))  # and the rebuilt one carries its version again
    assert json.loads((done / "summary.json").read_text())["schema_version"] == SCHEMA_VERSION


def test_an_old_summary_that_does_not_fit_is_refused_with_how_to_rebuild(done):
    _edit(done / "summary.json", lambda d: (d.pop("schema_version"), d.pop("overall")))
    one_line_error(
        rolecall_inproc("check", str(done)),
        "summary.json predates schema versions",
        "overall",
        f"rolecall report {done}",
    )


@pytest.mark.parametrize("file", ["summary.json", "timing.json"])
def test_a_newer_file_is_refused_in_one_line(done, file):
    _edit(done / file, lambda d: d.update(schema_version=SCHEMA_VERSION + 1))
    command = "check" if file == "summary.json" else "report"
    one_line_error(
        rolecall_inproc(command, str(done)),
        f"{file} was written by a newer rolecall (schema {SCHEMA_VERSION + 1}); "
        f"this one reads schema {SCHEMA_VERSION}",
    )


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["dimensions"]["scope"].update(mean="high"), "dimensions.scope.mean"),
        (lambda d: d["dimensions"]["scope"].update(extra=1), "dimensions.scope.extra"),
        (lambda d: d.update(timing=None), "timing"),
        (lambda d: d.update(schema_version="1"), "schema_version"),
    ],
)
def test_invalid_content_is_one_line_naming_the_file(done, change, fragment):
    _edit(done / "summary.json", change)
    line = one_line_error(rolecall_inproc("check", str(done)), "summary.json is not valid", fragment)
    assert "rolecall report" in line


def test_a_summary_that_does_not_validate_is_not_written(tmp_path):
    with pytest.raises(RolecallError, match=r"summary.json not written: .*instrument: Field required"):
        dump_versioned(Summary, {"persona": None}, path=tmp_path / "summary.json")


# ---------------------------------------------------------------- the models follow their producers


def test_literals_match_the_code_that_produces_them():
    from rolecall.calibration.file import METHODS
    from rolecall.star import PARTS
    from rolecall.stats.hypothesis import Overall, Verdict

    assert get_args(DimensionVerdict) == get_args(Verdict)
    assert get_args(OverallVerdict) == get_args(Overall)
    assert get_args(StarPart) == PARTS
    assert get_args(CalibrationApplied.model_fields["method"].annotation) == METHODS


def test_every_judge_validity_entry_fits_the_summary():
    from rolecall.judge.validity import SOURCE, _table

    for judges in _table().values():
        for figures in judges.values():
            Validated.model_validate({"validated": True, "source": SOURCE, **figures})
