"""The interview and the judging of an item instrument, overlapped.

Run as two stages (every conversation, then every verdict), a run leaves call slots empty at
the boundary: the last conversations drain the pipe to a few calls in flight, then the judging
reads the transcript back and starts. Here a conversation's verdicts are queued as soon as the
conversation is on disk, so the judges' calls take the slots the interview leaves, and the
interview's tail overlaps the judging's start.

What does not change:

- *Calls in flight*: the subject's calls and the judges' share a ``CallBudget`` that allows what
  the staged run had at its busiest (the larger of the subject's limit and the judges' limits
  added up), each model still under its own limit; the subject comes first, so the interview
  runs as fast as alone.
- *Crash safety*: a verdict is asked only about a conversation whose records are on disk, and a
  verdict's record is on disk before it counts, so a resume finds every file as the staged run
  would have left it at some moment: conversations missing from the transcript are asked again,
  answers without a verdict are judged.
- *Results*: each verdict is the same call with the same prompt as in the staged run (answers
  are built from the conversation's records by ``answers_from_turns``, exactly as the judging
  stage builds them from the transcript); only the order of lines in scores.jsonl differs, and
  that was completion order already.
- Judges whose verdicts are not model calls (the semantic scorer, CPU-bound) are not
  overlapped: their tasks wait for the interview to finish, so they never compete for the CPU
  with a local subject model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rolecall.instrument import Instrument
from rolecall.interview.runner import Task
from rolecall.judge.answers import answers_from_turns
from rolecall.judge.judges import Judge, LLMJudge, call_limit
from rolecall.judge.stage import JudgeTask, judge_tasks, judged_dimensions, judging_stage, pending_judgements
from rolecall.progress import Progress
from rolecall.rundir import FailureRecord, GroupAppender, RunDir, TurnRecord
from rolecall.stage_runner import Feed, Stage, gather_or_cancel, work_feed, workers_for


def expected_judgements(
    instrument: Instrument, tasks: Sequence[Task], judges: int, answers_follow_ups: bool
) -> int:
    """How many verdicts the conversations of ``tasks`` will need (for the progress bar's total):
    per judge and judged dimension, one for the answer and one for what it said under pressure."""
    n = 0
    for t in tasks:
        answers = 2 if answers_follow_ups and t.item.pressure else 1
        n += answers * len(judged_dimensions(instrument, t.item.id)) * judges
    return n


async def interview_and_judge(
    run: RunDir,
    instrument: Instrument,
    tasks: list[Task],
    interview: Stage[Task, TurnRecord],
    *,
    subject: str,
    subject_limit: int,
    answers_follow_ups: bool,
    judges: Sequence[Judge],
    concurrency: int,
    progress: Progress,
) -> list[FailureRecord]:
    """Ask every task (``interview``: what to do with one) and judge every answer not yet judged,
    the verdicts of each conversation as soon as it is on disk. Returns the failures of both."""
    appender = GroupAppender()  # one group commit per file for both: they share failures.jsonl
    pending = pending_judgements(run, instrument, judges)  # a resumed run's unjudged answers
    verdicts: Feed[JudgeTask] = Feed(pending)
    held: list[JudgeTask] = []  # verdicts of judges that wait for the interview
    queued = len(pending)  # verdicts asked for so far, for the bar's final total
    ibar = progress.stage(f"interview ({subject})", len(tasks))
    jbar = progress.stage(
        "judging (" + ", ".join(j.name for j in judges) + ")",
        len(pending) + expected_judgements(instrument, tasks, len(judges), answers_follow_ups),
    )

    def conversation_done(records: list[TurnRecord]) -> None:
        nonlocal queued
        ibar.advance(sum(r.tokens_out for r in records))
        if not records:
            return  # failed: failures.jsonl has it, a resume asks again
        new = judge_tasks(instrument, answers_from_turns(records), judges)
        queued += len(new)
        verdicts.put(t for t in new if isinstance(t[2], LLMJudge))
        held.extend(t for t in new if not isinstance(t[2], LLMJudge))

    async def ask() -> list[FailureRecord]:
        failures = await work_feed(
            run,
            Feed(tasks, closed=True),
            replace(interview, on_done=conversation_done),
            workers=workers_for(subject_limit),
            appender=appender,
        )
        ibar.close()
        jbar.recount(queued)  # failed conversations bring no verdicts: the bar still ends full
        verdicts.put(held)
        verdicts.close()
        return failures

    judge = work_feed(
        run,
        verdicts,
        judging_stage(run, instrument, on_done=jbar.advance),
        workers=workers_for(sum(call_limit(j, concurrency) for j in judges)),
        appender=appender,
    )
    asked, judged = await gather_or_cancel(ask(), judge)
    jbar.close()
    return [*asked, *judged]
