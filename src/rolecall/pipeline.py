"""The main job: persona + instrument + model → interview → judge → summary → report.

Every stage reads the previous stage's files, so ``resume`` simply runs the stages again:
each one does only the work its output file does not already hold. For item instruments the
interview and the judging overlap (``rolecall.overlap``): a conversation's verdicts are asked
as soon as it is on disk, which leaves the files in a state a resume reads the same way.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rolecall.calls import CallBudget, Caller, CallStats, ResponseCache, open_cache
from rolecall.instrument import (
    Instrument,
)
from rolecall.interview import BASELINE_SYSTEM, interview_stage, pending_tasks
from rolecall.interview.session import pending_sessions, run_sessions
from rolecall.judge import (
    JUDGE_PARAMS,
    Judge,
    call_limit,
    make_judge,
    pending_judgements,
    run_judging,
)
from rolecall.judge.session import pending_session_judgements, run_session_judging
from rolecall.models import GenParams, make_model
from rolecall.overlap import interview_and_judge
from rolecall.persona import Persona
from rolecall.progress import NullProgress, Progress
from rolecall.run_setup import (
    DEFAULT_INSTRUMENT,
    PACKAGES,
    RunConfig,
    check_hypothesis,
    package_versions,
    reopen,
    reopen_run,
    resolve_instrument,
    start_run,
)
from rolecall.rundir import (
    FailureRecord,
    Manifest,
    RunDir,
    Subject,
    write_json_atomic,
)
from rolecall.rundir.summary import Summary, Timing
from rolecall.rundir.versioned import dump_versioned
from rolecall.stage_runner import workers_for
from rolecall.star import star_probe

__all__ = [  # the run's setup lives in run_setup; callers import the whole job from here
    "DEFAULT_INSTRUMENT",
    "JUDGE_PARAMS",
    "PACKAGES",
    "Outcome",
    "RunConfig",
    "check_hypothesis",
    "execute_run",
    "execute_run_async",
    "finish",
    "judge_stage",
    "package_versions",
    "reopen",
    "reopen_run",
    "resolve_instrument",
    "start_run",
]


def _on_first_use(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported when first called."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return call


if TYPE_CHECKING:
    from rolecall.aggregate import summarize
    from rolecall.calibration import for_run
    from rolecall.report import write_reports
else:
    # What only ``finish`` needs (numpy, the statistics, the agreement and label code, the report
    # templates: ~0.2 s of imports) loads when the run finishes, not before its first call.
    summarize = _on_first_use("rolecall.aggregate", "summarize")
    for_run = _on_first_use("rolecall.calibration", "for_run")
    write_reports = _on_first_use("rolecall.report", "write_reports")


@dataclass
class Outcome:
    run: RunDir
    summary: dict[str, Any]
    failures: int


async def judge_stage(
    run: RunDir,
    instrument: Instrument,
    manifest: Manifest,
    cache: ResponseCache | None,
    progress: Progress,
) -> tuple[int, dict[str, CallStats]]:
    """Judge every answer × dimension × judge not yet in scores.jsonl; then, for instruments that
    rank dimensions, measure each answer's relevance to every dimension (relevance.jsonl)."""
    judges = _make_judges(manifest, cache)
    try:
        jtasks = pending_judgements(run, instrument, judges)
        jbar = progress.stage("judging (" + ", ".join(j.name for j in judges) + ")", len(jtasks))
        workers = workers_for(sum(call_limit(j, manifest.concurrency) for j in judges))
        failures = await run_judging(run, instrument, jtasks, on_done=jbar.advance, workers=workers)
        jbar.close()
        failures += await _after_verdicts(run, instrument, judges, progress)
    finally:
        await _close(judges)
    return len(failures), _judge_stats(judges)


def _make_judges(
    manifest: Manifest, cache: ResponseCache | None, budget: CallBudget | None = None
) -> list[Judge]:
    return [
        make_judge(j.spec, cache, concurrency=manifest.concurrency, seed=manifest.seed, budget=budget)
        for j in manifest.judges
    ]


async def _after_verdicts(
    run: RunDir, instrument: Instrument, judges: list[Judge], progress: Progress
) -> list[FailureRecord]:
    """What follows the verdicts on single answers: ranking relevance (instruments that rank
    dimensions) and the whole-session verdicts (session instruments)."""
    if instrument.rank_dimensions:
        from rolecall.analyses.ranking import rank_stage  # numpy, the embedding model

        rank_stage(run, instrument, progress=progress)
    stasks = pending_session_judgements(run, instrument, judges)
    if not stasks:
        return []
    sbar = progress.stage("judging whole sessions", len(stasks))
    failures = await run_session_judging(run, instrument, stasks, on_done=sbar.advance)
    sbar.close()
    return failures


async def _close(judges: list[Judge]) -> None:
    for j in judges:
        await j.aclose()


def _judge_stats(judges: list[Judge]) -> dict[str, CallStats]:
    stats: dict[str, CallStats] = {}
    for j in judges:
        js = j.call_stats()
        if js is not None:
            stats[f"judge:{j.name}"] = js
    return stats


async def _execute(
    run: RunDir,
    persona: Persona,
    instrument: Instrument,
    manifest: Manifest,
    progress: Progress,
    use_cache: bool,
) -> int:
    assert manifest.subject_model is not None
    cache = open_cache(use_cache)
    subject = make_model(manifest.subject_model.spec)
    # item instruments overlap the interview and the judging (rolecall.overlap): the subject's
    # and the judges' calls then share one budget
    budget = CallBudget() if instrument.session is None else None
    caller = Caller(subject, cache, concurrency=manifest.concurrency, seed=manifest.seed, budget=budget)
    params = GenParams.model_validate(manifest.params)
    subjects: list[Subject] = ["persona", "baseline"] if manifest.baseline else ["persona"]
    style = manifest.persona.style if manifest.persona else "role"
    prompts: dict[Subject, str] = {"persona": persona.system_prompt(style=style), "baseline": BASELINE_SYSTEM}
    reminder = persona.reminder(style)
    interlocutor: Caller | None = None
    try:
        if instrument.session is not None:
            sessions = pending_sessions(run, instrument, manifest.epochs, subjects)
            bar = progress.stage(f"sessions ({subject.spec})", sum(left for _, left in sessions))
            spec = instrument.session.interlocutor.model
            if spec is not None:
                interlocutor = Caller(
                    make_model(spec), cache, concurrency=manifest.concurrency, seed=manifest.seed
                )
            failures = await run_sessions(
                run,
                [task for task, _ in sessions],
                instrument=instrument,
                system_prompts=prompts,
                reminders={"persona": reminder} if reminder else None,
                caller=caller,
                params=params,
                interlocutor=interlocutor,
                on_turn=bar.advance,
            )
            bar.close()
            judge_failures, stats = await judge_stage(run, instrument, manifest, cache, progress)
        else:
            judges = _make_judges(manifest, cache, budget)
            try:
                failures = await interview_and_judge(
                    run,
                    instrument,
                    pending_tasks(run, instrument, manifest.epochs, subjects),
                    interview_stage(
                        system_prompts=prompts,
                        reminders={"persona": reminder} if reminder else None,
                        caller=caller,
                        params=params,
                        follow_up_policy=star_probe if instrument.star == "probe" else None,
                        into=run.transcript,
                    ),
                    subject=subject.spec,
                    subject_limit=caller.limit,
                    answers_follow_ups=subject.answers_follow_ups,
                    judges=judges,
                    concurrency=manifest.concurrency,
                    progress=progress,
                )
                judge_failures = len(await _after_verdicts(run, instrument, judges, progress))
            finally:
                await _close(judges)
            stats = _judge_stats(judges)
    finally:
        await subject.aclose()
        if interlocutor is not None:
            await interlocutor.model.aclose()
        if cache is not None:
            cache.close()
    calls = {"subject": caller.stats, **stats}
    if interlocutor is not None:
        calls[f"interlocutor:{interlocutor.model.spec}"] = interlocutor.stats
    record_calls(run, calls)
    return len(failures) + judge_failures


def record_calls(run: RunDir, stats: dict[str, CallStats]) -> None:
    """Accumulate call counts and tokens per model across sessions of one run (timing.json)."""
    data: dict[str, Any] = run.read_timing() or {"models": {}}
    for role, st in stats.items():
        m = data["models"].setdefault(
            role,
            {
                "calls": 0,
                "cached": 0,
                "retries": 0,
                "failures": 0,
                "tokens_in": 0,
                "tokens_out": 0,
                "latency_s_total": 0.0,
            },
        )
        m["calls"] += st.calls
        m["cached"] += st.cached
        m["retries"] += st.retries
        m["failures"] += st.failures
        m["tokens_in"] += st.tokens_in
        m["tokens_out"] += st.tokens_out
        m["latency_s_total"] = round(m["latency_s_total"] + sum(st.latencies), 4)
    write_json_atomic(run.timing, dump_versioned(Timing, data, path=run.timing))


def add_wall_time(run: RunDir, seconds: float) -> None:
    data: dict[str, Any] = run.read_timing() or {"models": {}}
    data["wall_s"] = round(data.get("wall_s", 0.0) + seconds, 3)
    write_json_atomic(run.timing, dump_versioned(Timing, data, path=run.timing))


def finish(
    run: RunDir, persona: Persona | None, instrument: Instrument, manifest: Manifest
) -> dict[str, Any]:
    """Aggregate and write summary.json and the reports from the run's files.

    The summary is validated against ``rolecall.rundir.summary.Summary`` before it is written
    (with its ``schema_version``); what is returned is exactly what was written.
    """
    built = summarize(
        run,
        instrument,
        hypothesis=persona.hypothesis if persona else None,
        persona_name=persona.name if persona else (manifest.transcript_source or {}).get("name"),
        seed=manifest.seed,
        subject_spec=manifest.subject_model.spec if manifest.subject_model else None,
        calibration=for_run(manifest.calibration, instrument.id),
    )
    summary = dump_versioned(Summary, built, path=run.summary)
    write_json_atomic(run.summary, summary)
    write_reports(run, instrument, manifest, summary)
    return summary


def execute_run(
    run: RunDir,
    persona: Persona,
    instrument: Instrument,
    manifest: Manifest,
    *,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> Outcome:
    """Interview, judge, summarise and report (a session's wall time added to timing.json)."""
    return asyncio.run(
        execute_run_async(run, persona, instrument, manifest, progress=progress, use_cache=use_cache)
    )


async def execute_run_async(
    run: RunDir,
    persona: Persona,
    instrument: Instrument,
    manifest: Manifest,
    *,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> Outcome:
    """``execute_run`` inside a running event loop, so that several runs can share one (the grid's
    local executor). Aggregation and reports run in a thread, off the loop."""
    start = time.perf_counter()
    try:
        failures = await _execute(run, persona, instrument, manifest, progress or NullProgress(), use_cache)
    finally:
        add_wall_time(run, time.perf_counter() - start)
    summary = await asyncio.to_thread(finish, run, persona, instrument, manifest)
    return Outcome(run=run, summary=summary, failures=failures)
