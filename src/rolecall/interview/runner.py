"""Drive the interview: every item (with its follow-ups, in one conversation) for every epoch.

Answers are appended to ``transcript.jsonl`` as each item's conversation completes, so an
interrupted run resumes without re-asking what was answered. Calls go through a ``Caller``
(cache, retries, bounded concurrency).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rolecall.calls import Caller
from rolecall.errors import ModelCallError
from rolecall.instrument import Instrument, Item
from rolecall.models import Completion, GenParams, Message
from rolecall.rundir import FailureRecord, GroupAppender, RunDir, Subject, TurnRecord, read_records
from rolecall.stage_runner import Feed, Stage, work_feed, workers_for

OnDone = Callable[[int], None]  # called with output tokens when an item's conversation finishes
FollowUpPolicy = Callable[[Item, str], str | None]  # (item, answers so far) -> one extra probe or None

BASELINE_SYSTEM = "You are a helpful assistant. Answer in the first person."


@dataclass(frozen=True)
class Task:
    item: Item
    epoch: int
    subject: Subject


def completed_conversations(run: RunDir) -> set[tuple[str, int, str]]:
    """(item, epoch, subject) whose every turn is in the transcript."""
    seen: dict[tuple[str, int, str], set[int]] = {}
    need: dict[tuple[str, int, str], int] = {}
    for rec in read_records(run.transcript, TurnRecord):
        key = (rec.item, rec.epoch, rec.subject)
        seen.setdefault(key, set()).add(rec.turn)
        need[key] = rec.turns
    return {k for k, turns in seen.items() if turns >= set(range(need[k]))}


def pending_tasks(run: RunDir, instrument: Instrument, epochs: int, subjects: list[Subject]) -> list[Task]:
    done = completed_conversations(run)
    return [
        Task(item, epoch, subject)
        for epoch in range(epochs)
        for subject in subjects
        for item in instrument.items
        if (item.id, epoch, subject) not in done
    ]


async def _converse(
    task: Task,
    system_prompt: str,
    caller: Caller,
    params: GenParams,
    follow_up_policy: FollowUpPolicy | None,
    reminder: str | None = None,
) -> list[TurnRecord]:
    """Prompt, fixed follow-ups, at most one policy probe, then any pressure prompts."""
    messages = [Message(role="system", content=system_prompt)]
    variant, wording = task.item.wording(task.epoch)
    prompts: list[tuple[str, str]] = [("prompt", wording)]
    pressure: list[tuple[str, str]] = []
    if caller.model.answers_follow_ups:
        prompts += [("follow_up", f) for f in task.item.follow_ups]
        pressure = [("pressure", p) for p in task.item.pressure]
    else:
        follow_up_policy = None
    turns: list[tuple[str, str, Completion]] = []
    i = 0
    while i < len(prompts):
        kind, text = prompts[i]
        if reminder and kind != "pressure":  # pressure tests the role unaided
            text = f"{text}\n\n{reminder}"
        messages.append(Message(role="user", content=text))
        out = await caller.complete(messages, params.model_copy(update={"seed": params.seed + task.epoch}))
        messages.append(Message(role="assistant", content=out.text))
        turns.append((kind, text, out))
        if i == len(prompts) - 1:
            if follow_up_policy is not None:
                extra = follow_up_policy(task.item, "\n\n".join(o.text for _, _, o in turns))
                follow_up_policy = None  # one probe per conversation
                if extra:
                    prompts.append(("probe", extra))
            if len(prompts) == i + 1 and pressure:
                prompts += pressure
                pressure = []
        i += 1
    total = 2 * len(turns)
    records: list[TurnRecord] = []
    for n, (kind, text, out) in enumerate(turns):
        common = {
            "item": task.item.id,
            "epoch": task.epoch,
            "turns": total,
            "subject": task.subject,
            "variant": variant,
        }
        records.append(
            TurnRecord.model_validate({**common, "turn": 2 * n, "role": "user", "kind": kind, "text": text})
        )
        records.append(
            TurnRecord.model_validate(
                {
                    **common,
                    "turn": 2 * n + 1,
                    "role": "assistant",
                    "kind": "answer",
                    "text": out.text,
                    "model": caller.model.spec,
                    "tokens_in": out.tokens_in,
                    "tokens_out": out.tokens_out,
                    "latency_s": round(out.latency_s, 4),
                    "cached": out.cached,
                }
            )
        )
    return records


def interview_stage(
    *,
    system_prompts: dict[Subject, str],
    caller: Caller,
    params: GenParams,
    on_done: Callable[[list[TurnRecord]], None] | None = None,
    follow_up_policy: FollowUpPolicy | None = None,
    reminders: dict[Subject, str] | None = None,
    into: Path,
) -> Stage[Task, TurnRecord]:
    """What the interview does with a task: converse, append the conversation to ``into`` (the
    transcript), record a failed call; ``on_done`` with each finished conversation's records."""

    async def converse(task: Task) -> list[TurnRecord]:
        return await _converse(
            task,
            system_prompts[task.subject],
            caller,
            params,
            follow_up_policy,
            (reminders or {}).get(task.subject),
        )

    def failed(task: Task, exc: ModelCallError) -> FailureRecord:
        return FailureRecord(
            stage="interview",
            item=task.item.id,
            epoch=task.epoch,
            model=caller.model.spec,
            reason=exc.reason,
            subject=task.subject,
        )

    return Stage(converse, into, failed, on_done)


async def run_interview(
    run: RunDir,
    tasks: list[Task],
    *,
    system_prompts: dict[Subject, str],
    caller: Caller,
    params: GenParams,
    on_done: OnDone | None = None,
    follow_up_policy: FollowUpPolicy | None = None,
    reminders: dict[Subject, str] | None = None,
) -> list[FailureRecord]:
    """Ask every pending task; append each finished conversation; return the failures."""

    def done(records: list[TurnRecord]) -> None:
        if on_done:
            on_done(sum(r.tokens_out for r in records))

    stage = interview_stage(
        system_prompts=system_prompts,
        caller=caller,
        params=params,
        on_done=done,
        follow_up_policy=follow_up_policy,
        reminders=reminders,
        into=run.transcript,
    )
    return await work_feed(
        run, Feed(tasks, closed=True), stage, workers=workers_for(caller.limit), appender=GroupAppender()
    )
