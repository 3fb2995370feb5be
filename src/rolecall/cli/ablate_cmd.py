"""`rolecall ablate`: which section (or sentence) of a persona drives which behaviour."""

from __future__ import annotations

import shlex
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from rolecall.cli import options as O
from rolecall.cli.console import RichProgress, console, err_console
from rolecall.cli.run_cmd import persona_style_option
from rolecall.cli.session import bounded_ctrl_c, stop_message
from rolecall.defaults import DEFAULT_JUDGE
from rolecall.formatting import plural

if TYPE_CHECKING:  # the study's modules load when the command runs: `rolecall --help` stays quick
    from rolecall.ablation import Estimate, Study, VariantRun
    from rolecall.pipeline import Outcome


def ablate(
    persona: Path = typer.Argument(..., help="Persona role file (Markdown or YAML) with sections."),
    instrument: str | None = O.INSTRUMENT,
    model: str = O.MODEL,
    judge: list[str] | None = O.JUDGE,
    epochs: int = O.EPOCHS,
    items: int | None = O.ITEMS,
    sections: str | None = typer.Option(
        None,
        "--sections",
        envvar="ROLECALL_ABLATE_SECTIONS",
        help='Comma-separated section titles to ablate, e.g. "Personality,Constraints". '
        "Default: every section.",
    ),
    mode: str = typer.Option(
        "leave-out",
        "--mode",
        envvar="ROLECALL_ABLATE_MODE",
        help="leave-out: each variant removes one section (or sentence); "
        "only: each variant keeps the title and that one section (or sentence).",
    ),
    sentences: str | None = typer.Option(
        None,
        "--sentences",
        envvar="ROLECALL_ABLATE_SENTENCES",
        help="Ablate each sentence of this section instead of whole sections.",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        envvar="ROLECALL_ABLATE_OUT",
        help="The ablation directory; the same command into it resumes. "
        "Default: runs/ablation-<persona>-<mode>[-sentences-<section>].",
    ),
    persona_style: str = O.PERSONA_STYLE,
    concurrency: int = O.CONCURRENCY,
    seed: int = O.SEED,
    temperature: float = O.TEMPERATURE,
    max_tokens: int = O.MAX_TOKENS,
    no_cache: bool = O.NO_CACHE,
    yes: bool = typer.Option(False, "--yes", "-y", help="Start without asking (it asks only on a terminal)."),
    tracking_uri: str | None = O.TRACKING_URI,
    no_track: bool = O.NO_TRACK,
) -> None:
    """Run PERSONA in full and once per section with that section left out (or kept alone), then
    report each section's effect on every dimension (paired permutation tests, Holm-corrected)."""
    from rolecall.ablation import AblationConfig, estimate, prepare, run_study, write_result
    from rolecall.pipeline import RunConfig

    cfg = AblationConfig(
        persona=persona,
        run=RunConfig(
            persona=persona,
            instrument=instrument,
            model=model,
            judges=list(judge or [DEFAULT_JUDGE]),
            epochs=epochs,
            concurrency=concurrency,
            seed=seed,
            temperature=temperature,
            max_tokens=max_tokens,
            use_cache=not no_cache,
            items_per_dimension=items,
            persona_style=persona_style_option(persona_style),
        ),
        out=out,
        mode=mode,
        sections=[s.strip() for s in sections.split(",") if s.strip()] if sections else None,
        sentences_of=sentences,
    )
    study = prepare(cfg)
    _print_plan(study, estimate(study))
    ask = any(not vr.complete for vr in study.runs) and sys.stdin.isatty() and not yes
    if ask and not typer.confirm("start?", default=True, err=True):
        err_console.print("nothing started", markup=False)
        raise typer.Exit(1)
    again = "rolecall " + shlex.join(sys.argv[1:])
    if out is None:
        again += f" --out {shlex.quote(str(study.out))}"
    stopped = threading.Event()
    try:
        with bounded_ctrl_c(again, stopped), RichProgress() as progress:

            def done(vr: VariantRun, outcome: Outcome | None) -> None:
                state = "already finished" if outcome is None else "done"
                where = vr.run.path if vr.run is not None else vr.folder
                progress.note(f"{vr.variant.key}: {state} ({where})")

            run_study(study, progress, on_done=done)
    except KeyboardInterrupt:
        stopped.set()
        err_console.print(stop_message(again), markup=False, highlight=False)
        sys.exit(130)
    result = write_result(study)
    _print_result(result)
    err_console.print(
        f"wrote {study.out / 'ablation.json'}, ablation.md, ablation.html", markup=False, highlight=False
    )
    _track(study, result, tracking_uri=tracking_uri, no_track=no_track)
    failed = result["full_counts"]["failures"] + sum(v["counts"]["failures"] for v in result["sections"])
    if failed:
        console.print(
            f"{plural(failed, 'call')} failed after retries; retry only those with: {again}", markup=False
        )


def _print_plan(study: Study, est: Estimate) -> None:
    cfg = study.config.run
    what = f"sentences of {study.variants[0].variant.section}" if study.config.sentences_of else "sections"
    err_console.print(
        f"ablation of {study.persona.name} ({study.config.mode}, {plural(len(study.variants), 'variant')} "
        f"over {what}) in {study.out}",
        markup=False,
        highlight=False,
    )
    per_run = len(study.instrument.items) * cfg.epochs
    for vr in study.runs:
        if vr.complete:
            state = "finished"
        elif vr.run is not None:
            state = f"resumes: {len(vr.pending)} of {per_run} conversations left"
        else:
            state = "new"
        line = f"  {vr.variant.key:<34} {vr.variant.label} [{state}]"
        err_console.print(line, markup=False, highlight=False)
    judges = ", ".join(cfg.judges)
    judge_cost = (
        f"~{plural(est.judge_calls, 'judge call')}"
        if study.llm_judges
        else f"the {judges} judge makes no model calls"
    )
    err_console.print(
        f"each run: {plural(len(study.instrument.items), 'item')} ({study.instrument.id}) × "
        f"{plural(cfg.epochs, 'epoch')}; subject {cfg.model}; judge {judges}",
        markup=False,
        highlight=False,
    )
    skipped = f"; {plural(est.skipped, 'finished run')} skipped" if est.skipped else ""
    err_console.print(
        f"planned: {plural(est.runs, 'run')}, {plural(est.conversations, 'conversation')}, up to "
        f"{plural(est.subject_calls, 'subject call')}, ~{est.tokens:,} tokens (~{est.tokens_in:,} in, "
        f"up to {est.tokens_out:,} out); {judge_cost}{skipped}. Calls found in the response cache "
        "cost nothing.",
        markup=False,
        highlight=False,
    )
    if est.best_p_holm >= study.config.alpha:
        err_console.print(
            f"note: with {plural(est.items_per_dimension, 'item')} per dimension no effect can be "
            f"significant after Holm's correction over {plural(est.tests, 'test')} (smallest possible p "
            f"{est.best_p_holm:.3g}); --items {est.items_needed} or more can detect one",
            markup=False,
            highlight=False,
        )


def _print_result(result: dict[str, Any]) -> None:
    from rolecall.report.ablation_report import row_label

    names = result["dimension_names"]
    t = Table(title=f"{result['persona']}: effect of {result['mode']} (variant − full persona)")
    t.add_column("variant", no_wrap=True)
    for d in names:
        t.add_column(names[d])
    for v in result["sections"]:
        cells = []
        for d in names:
            e = v["dimensions"][d]
            if e["effect"] is None:
                cells.append("—")
                continue
            ci = "" if e["ci_low"] is None else f" [{e['ci_low']:+.2f}, {e['ci_high']:+.2f}]"
            cells.append(f"{e['effect']:+.2f}{ci}{' *' if e['significant'] else ''}")
        t.add_row(row_label(v), *cells)
    console.print(t)
    if result["tests"]:
        console.print(
            f"* significant: Holm-adjusted p < {result['alpha']} over {plural(result['tests'], 'test')}, "
            "interval excluding 0",
            markup=False,
        )
    console.print(f"finding: {result['overall']}", markup=False, highlight=False)
    for v in result["sections"]:
        c = v["counts"]
        console.print(
            f"  {v['finding']} [abstained {c['abstained']}, unscored {c['unscored']}]",
            markup=False,
            highlight=False,
        )


def _track(study: Study, result: dict[str, Any], *, tracking_uri: str | None, no_track: bool) -> None:
    from rolecall.tracking import log_ablation, mlflow_ui_hint, resolve_tracking_uri, tracking_enabled

    if not tracking_enabled(no_track):
        return
    runs = [(r, r.read_manifest(), r.read_summary()) for r in (vr.run for vr in study.runs) if r is not None]
    pid, children = log_ablation(study.out, result, runs, tracking_uri=tracking_uri)
    err_console.print(
        f"mlflow run {pid} with {plural(len(children), 'child run')} "
        f"({mlflow_ui_hint(resolve_tracking_uri(tracking_uri))})",
        markup=False,
        highlight=False,
    )
