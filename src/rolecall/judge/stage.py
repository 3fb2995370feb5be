"""The judging stage: every answer × dimension × judge not yet in scores.jsonl."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

from rolecall.errors import ModelCallError
from rolecall.instrument import Instrument
from rolecall.judge.answers import Answer, load_answers
from rolecall.judge.judges import Judge
from rolecall.rundir import FailureRecord, RunDir, ScoreRecord, read_records
from rolecall.stage_runner import Stage, run_stage

JudgeTask = tuple[Answer, str, Judge]


def judged_dimensions(instrument: Instrument, item_id: str) -> list[str]:
    """The dimensions an answer to ``item_id`` is judged on (every one where dimensions are ranked)."""
    if instrument.rank_dimensions:
        return [d.id for d in instrument.dimensions]
    return instrument.dimensions_for(item_id)


def judge_tasks(
    instrument: Instrument,
    answers: Iterable[Answer],
    judges: Sequence[Judge],
    done: Collection[tuple[object, ...]] = (),
) -> list[JudgeTask]:
    """Every answer × judged dimension × judge whose (answer key, dimension, judge) is not ``done``."""
    tasks: list[JudgeTask] = []
    for answer in answers:
        for dim in judged_dimensions(instrument, answer.rubric_item):
            for judge in judges:
                if (*answer.key, dim, judge.name) not in done:
                    tasks.append((answer, dim, judge))
    return tasks


def pending_judgements(run: RunDir, instrument: Instrument, judges: Sequence[Judge]) -> list[JudgeTask]:
    done = {(*s.answer_key, s.dimension, s.judge) for s in read_records(run.scores, ScoreRecord)}
    judged = instrument.session.judged_turns() if instrument.session is not None else None
    return judge_tasks(instrument, load_answers(run, judged), judges, done)


def judging_stage(
    run: RunDir, instrument: Instrument, *, on_done: Callable[[], None] | None = None
) -> Stage[JudgeTask, ScoreRecord]:
    """What the judging does with a task: one verdict into scores.jsonl (or a failure record);
    ``on_done`` after each."""

    async def judge_one(task: JudgeTask) -> list[ScoreRecord]:
        answer, dim_id, judge = task
        try:
            item = instrument.item(answer.rubric_item)
        except KeyError:
            item = None
        if item is not None and dim_id not in item.dimensions:
            item = None  # judged only for ranking: the item's indicators are about other dimensions
        return [await judge.score(instrument, instrument.dimension(dim_id), item, answer)]

    def failed(task: JudgeTask, exc: ModelCallError) -> FailureRecord:
        answer, dim_id, judge = task
        return FailureRecord(
            stage="judge",
            item=answer.item,
            epoch=answer.epoch,
            model=judge.name,
            reason=exc.reason,
            dimension=dim_id,
            subject=answer.subject,
            condition=answer.condition,
            session_turn=answer.session_turn,
        )

    def done(_: list[ScoreRecord]) -> None:
        if on_done:
            on_done()

    return Stage(judge_one, run.scores, failed, done)


async def run_judging(
    run: RunDir,
    instrument: Instrument,
    tasks: list[JudgeTask],
    *,
    on_done: Callable[[], None] | None = None,
    workers: int | None = None,
) -> list[FailureRecord]:
    """Judge every task; ``workers``: verdicts worked at once (``stage_runner.workers_for`` the
    judges' limits; None: all at once)."""
    stage = judging_stage(run, instrument, on_done=on_done)
    return await run_stage(
        run, tasks, stage.work, into=stage.into, failed=stage.failed, on_done=stage.on_done, workers=workers
    )
