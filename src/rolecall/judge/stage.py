"""The judging stage: every answer × dimension × judge not yet in scores.jsonl."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rolecall.errors import ModelCallError
from rolecall.instrument import Instrument
from rolecall.judge.answers import Answer, load_answers
from rolecall.judge.judges import Judge
from rolecall.rundir import FailureRecord, RunDir, ScoreRecord, read_records
from rolecall.stage_runner import run_stage

JudgeTask = tuple[Answer, str, Judge]


def _judged_dimensions(instrument: Instrument, item_id: str) -> list[str]:
    if instrument.rank_dimensions:
        return [d.id for d in instrument.dimensions]
    return instrument.dimensions_for(item_id)


def pending_judgements(run: RunDir, instrument: Instrument, judges: Sequence[Judge]) -> list[JudgeTask]:
    done = {(*s.answer_key, s.dimension, s.judge) for s in read_records(run.scores, ScoreRecord)}
    tasks: list[JudgeTask] = []
    judged = instrument.session.judged_turns() if instrument.session is not None else None
    for answer in load_answers(run, judged):
        for dim in _judged_dimensions(instrument, answer.rubric_item):
            for judge in judges:
                key = (*answer.key, dim, judge.name)
                if key not in done:
                    tasks.append((answer, dim, judge))
    return tasks


async def run_judging(
    run: RunDir,
    instrument: Instrument,
    tasks: list[JudgeTask],
    *,
    on_done: Callable[[], None] | None = None,
) -> list[FailureRecord]:

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

    return await run_stage(run, tasks, judge_one, into=run.scores, failed=failed, on_done=done)
