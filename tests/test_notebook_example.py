"""examples/notebook.py runs top to bottom (on the scripted models here; the embedded one by
default), and mypy accepts it: the public API is typed."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "notebook.py"


def test_the_notebook_runs_top_to_bottom(
    mini_persona, mini_instrument, scripted_subject, scripted_judge, tmp_path, monkeypatch
):
    personas = tmp_path / "personas"
    personas.mkdir()
    text = mini_persona.read_text(encoding="utf-8")
    (personas / "ml-engineer.md").write_text(text, encoding="utf-8")
    (personas / "platform-sre.md").write_text(
        text.replace("# Research Engineer", "# Platform SRE"), encoding="utf-8"
    )
    monkeypatch.setenv("ROLECALL_EXAMPLE_MODEL", f"scripted:{scripted_subject}")
    monkeypatch.setenv("ROLECALL_EXAMPLE_JUDGE", f"scripted:{scripted_judge}")
    monkeypatch.setenv("ROLECALL_EXAMPLE_INSTRUMENT", str(mini_instrument))
    monkeypatch.setenv("ROLECALL_EXAMPLE_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("ROLECALL_EXAMPLE_PERSONAS", str(personas))
    monkeypatch.setenv("ROLECALL_EXAMPLE_ITEMS", "1")
    ns = runpy.run_path(str(NOTEBOOK), run_name="__main__")
    assert (tmp_path / "out" / "dimensions.png").stat().st_size > 1000
    assert (tmp_path / "out" / "compare" / "compare.json").is_file()
    assert list(ns["dims"]["dimension"]) == ["scope", "risk"]
    assert "Holm p" in ns["comparison"]._repr_html_()


@pytest.mark.slow
def test_mypy_accepts_the_notebook():
    res = subprocess.run(
        [sys.executable, "-m", "mypy", "--ignore-missing-imports", str(NOTEBOOK)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
