"""What the Python API returns: a run, a comparison, an ablation study, a grid, each read
through the typed files it wrote, as DataFrames and as a compact table in a notebook."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolecall.errors import RolecallError
from rolecall.gate import passes
from rolecall.rundir import RunDir, TurnRecord, read_records
from rolecall.rundir.summary import Summary

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Run:
    """A run directory, read through its typed files. ``rolecall.load(path)`` makes one."""

    path: Path
    failures: int = field(default=0, compare=False)

    @cached_property
    def _dir(self) -> RunDir:
        return RunDir(self.path)

    @cached_property
    def summary_data(self) -> dict[str, Any]:
        """summary.json as a validated dict (the shape `rolecall schema summary` publishes)."""
        return self._dir.read_summary()

    @cached_property
    def summary(self) -> Summary:
        """summary.json as a typed object."""
        return Summary.model_validate(self.summary_data)

    @property
    def hypothesis(self) -> dict[str, Any] | None:
        """The hypothesis verdict (overall and per dimension), or None when the persona states none."""
        hyp = self.summary_data.get("hypothesis")
        return dict(hyp) if hyp else None

    @property
    def report_path(self) -> Path:
        return self.path / "report.html"

    def check(self, strict: bool = False) -> bool:
        """What `rolecall check` decides: does the hypothesis pass? Refused (RolecallError) when
        the run has no hypothesis verdict."""
        hyp = self.hypothesis
        if hyp is None:
            raise RolecallError(
                "the run has no hypothesis verdict (the persona states none for this instrument)",
                path=self.path,
            )
        return passes(hyp, strict=strict)

    def scores_df(self) -> pd.DataFrame:
        """One row per verdict, the columns of `rolecall export`."""
        import pandas as pd

        from rolecall.export import COLUMNS, tidy_rows

        return pd.DataFrame(tidy_rows(self._dir), columns=COLUMNS)

    def transcript_df(self) -> pd.DataFrame:
        """One row per turn of transcript.jsonl."""
        import pandas as pd

        rows = [t.model_dump(mode="json") for t in read_records(self._dir.transcript, TurnRecord)]
        return pd.DataFrame(rows, columns=list(TurnRecord.model_fields))

    def dimensions_df(self) -> pd.DataFrame:
        """One row per dimension: mean, 95% interval, n, reliability and the hypothesis verdict."""
        import pandas as pd

        return pd.DataFrame(_dimension_rows(self.summary_data), columns=_DIMENSION_COLUMNS)

    def _repr_html_(self) -> str:
        s = self.summary_data
        hyp = s.get("hypothesis")
        title = f"{s.get('persona') or 'transcript'} — {s['instrument']['name']}"
        verdict = f"<p>hypothesis: <b>{html.escape(hyp['verdict'])}</b></p>" if hyp else ""
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(_cell(r[c]))}</td>" for c in ("name", "mean", "interval", "n", "verdict")
            )
            + "</tr>"
            for r in _dimension_rows(s)
        )
        return (
            f"<div><b>{html.escape(title)}</b> <code>{html.escape(str(self.path))}</code>{verdict}"
            "<table><tr><th>dimension</th><th>mean</th><th>95% CI</th><th>n</th><th>verdict</th></tr>"
            f"{rows}</table></div>"
        )


_SHOWN = ("name", "mean", "interval", "n", "verdict")
_DIMENSION_COLUMNS = [
    "dimension", "name", "mean", "ci_low", "ci_high", "interval", "n", "n_items",
    "cronbach_alpha", "icc", "abstained", "expected", "verdict",
]  # fmt: skip


def _dimension_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    from rolecall.formatting import ci

    hyp = (summary.get("hypothesis") or {}).get("dimensions", {})
    return [
        {
            "dimension": dim,
            "name": d["name"],
            "mean": d["mean"],
            "ci_low": d["ci_low"],
            "ci_high": d["ci_high"],
            "interval": ci(d),
            "n": d["n"],
            "n_items": d["n_items"],
            "cronbach_alpha": d["cronbach_alpha"],
            "icc": d["icc"],
            "abstained": d["abstained"]["total"],
            "expected": hyp.get(dim, {}).get("expected"),
            "verdict": hyp.get(dim, {}).get("verdict"),
        }
        for dim, d in summary["dimensions"].items()
    ]


def _cell(x: Any) -> str:
    if x is None:
        return "—"
    return f"{x:.2f}" if isinstance(x, float) else str(x)


@dataclass(frozen=True)
class Comparison:
    """Every run after the first against the first (the data of compare.json)."""

    result: dict[str, Any]
    out: Path | None = None

    def dimensions_df(self) -> pd.DataFrame:
        """One row per compared run × dimension: both means, difference, interval, p, Holm p, δ."""
        import pandas as pd

        rows = [
            {"reference": c["reference"], "run": c["run"], "dimension": dim, **stats}
            for c in self.result["comparisons"]
            for dim, stats in c["dimensions"].items()
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        names = self.result["dimension_names"]
        parts = []
        for c in self.result["comparisons"]:
            rows = "".join(
                f"<tr><td>{html.escape(names[d])}</td><td>{_cell(s['mean_a'])}</td><td>{_cell(s['mean_b'])}</td>"
                f"<td>{_cell(s['diff'])}</td><td>{_cell(s['p_holm'])}</td><td>{_cell(s['cliffs_delta'])}</td></tr>"
                for d, s in c["dimensions"].items()
            )
            parts.append(
                f"<p><b>{html.escape(c['run'])}</b> vs <b>{html.escape(c['reference'])}</b></p>"
                "<table><tr><th>dimension</th><th>reference</th><th>run</th><th>difference</th>"
                f"<th>Holm p</th><th>Cliff's δ</th></tr>{rows}</table>"
            )
        return "<div>" + "".join(parts) + "</div>"


@dataclass(frozen=True)
class Ablation:
    """An ablation study (the data of ablation.json): per section (or sentence), its effect on
    every dimension against the full persona."""

    result: dict[str, Any]
    out: Path

    @property
    def full(self) -> Run:
        """The full persona's run."""
        return Run(Path(self.result["full"]))

    def effects_df(self) -> pd.DataFrame:
        """One row per section × dimension: effect, interval, p, Holm p, Cliff's δ."""
        import pandas as pd

        rows = [
            {"section": s["section"], "dimension": dim, **stats}
            for s in self.result["sections"]
            for dim, stats in s["dimensions"].items()
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(s['section'])}</td><td>{html.escape(s.get('finding') or '')}</td></tr>"
            for s in self.result["sections"]
        )
        return (
            f"<div><b>ablation of {html.escape(str(self.result['persona']))}</b><table>{rows}</table></div>"
        )


@dataclass(frozen=True)
class Grid:
    """A grid directory (the data of grid.json): every cell's status and run directory."""

    path: Path
    index: dict[str, Any]

    def runs(self) -> dict[str, Run]:
        """cell id -> its run, for the cells that are done."""
        return {c["id"]: Run(self.path / c["run_dir"]) for c in self.index["cells"] if c["status"] == "done"}

    def cells_df(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.index["cells"])
