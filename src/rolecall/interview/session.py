"""Sessions: one long conversation per epoch and subject, in which every call sees the whole history.

An instrument with a ``session:`` block is asked as a session instead of one conversation per
item: its plan (``Session.plan``) puts the items' probes at chosen turns and the interlocutor's
turns (a script, or a model playing a user with a brief) between them. Each turn is appended to
``transcript.jsonl`` (the user message and the answer, in one write) as soon as it is answered,
so an interrupted session resumes at the next turn without asking an earlier one again; a user
message that was written without its answer is reused, not written twice.

Context: before each turn, a model that knows its context window counts the prompt; when the
prompt and the answer's ``max_tokens`` would not fit, or the provider refuses the prompt as too
long, the session stops there and ``sessions.jsonl`` records the turn (``context_exhausted_at``).
The history is never cut to make a turn fit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from rolecall.calls import Caller
from rolecall.errors import ModelCallError
from rolecall.instrument import Instrument
from rolecall.instrument.schema import PlannedTurn, Session
from rolecall.models import Completion, GenParams, Message
from rolecall.rundir import (
    SESSION_ITEM,
    FailureRecord,
    GroupAppender,
    RunDir,
    SessionStop,
    Subject,
    TurnRecord,
    read_records,
)
from rolecall.stage_runner import run_stage

OnTurn = Callable[[int], None]  # called with output tokens when a turn is answered

INTERLOCUTOR_SYSTEM = (
    "You play the user in a conversation with an assistant. Who you are: {brief}\n"
    "Write only your next message to the assistant, one to three sentences, in character. Do not "
    "answer for the assistant, do not add stage directions, and do not say that you are an AI."
)
INTERLOCUTOR_OPENING = "(The conversation starts now. Write your first message.)"
INTERLOCUTOR_MAX_TOKENS = 160


@dataclass(frozen=True)
class SessionTask:
    epoch: int
    subject: Subject


class SessionTurnError(ModelCallError):
    """A failed call in a session: which turn, and which model (the subject or the interlocutor)."""

    def __init__(self, exc: ModelCallError, turn: int, model: str):
        super().__init__(exc.reason, retryable=exc.retryable, context_exhausted=exc.context_exhausted)
        self.session_turn = turn
        self.model = model


def session_turns(run: RunDir) -> dict[tuple[int, Subject], list[TurnRecord]]:
    """(epoch, subject) -> that session's records in the transcript, in turn order."""
    out: dict[tuple[int, Subject], list[TurnRecord]] = defaultdict(list)
    for rec in read_records(run.transcript, TurnRecord):
        if rec.item == SESSION_ITEM:
            out[(rec.epoch, rec.subject)].append(rec)
    for recs in out.values():
        recs.sort(key=lambda r: r.turn)
    return dict(out)


def stopped_sessions(run: RunDir) -> dict[tuple[int, Subject], SessionStop]:
    """(epoch, subject) -> why and where a session stopped early (the first record counts)."""
    out: dict[tuple[int, Subject], SessionStop] = {}
    for rec in read_records(run.sessions, SessionStop):
        out.setdefault((rec.epoch, rec.subject), rec)
    return out


def answered_turns(records: list[TurnRecord]) -> int:
    """How many turns of a session have their answer on disk (a contiguous run from turn 1)."""
    by_turn = {r.turn for r in records}
    n = 0
    while 2 * n in by_turn and 2 * n + 1 in by_turn:
        n += 1
    return n


def pending_sessions(
    run: RunDir, instrument: Instrument, epochs: int, subjects: list[Subject]
) -> list[tuple[SessionTask, int]]:
    """Sessions not yet finished, with how many of their turns are still to be answered."""
    assert instrument.session is not None
    existing = session_turns(run)
    stopped = stopped_sessions(run)
    out = []
    for epoch in range(epochs):
        for subject in subjects:
            if (epoch, subject) in stopped:
                continue
            left = instrument.session.turns - answered_turns(existing.get((epoch, subject), []))
            if left > 0:
                out.append((SessionTask(epoch, subject), left))
    return out


def _interlocutor_messages(brief: str, history: list[Message]) -> list[Message]:
    """The conversation as the simulated user sees it: its own lines as the assistant's."""
    flipped = [Message(role="system", content=INTERLOCUTOR_SYSTEM.format(brief=brief))]
    for m in history:
        if m.role != "system":
            flipped.append(Message(role="assistant" if m.role == "user" else "user", content=m.content))
    if flipped[-1].role != "user":
        flipped.append(Message(role="user", content=INTERLOCUTOR_OPENING))
    return flipped


@dataclass
class _Session:
    """What one session needs to run: its plan, prompts and callers."""

    task: SessionTask
    session: Session
    plan: list[PlannedTurn]
    system_prompt: str
    reminder: str | None
    caller: Caller
    interlocutor: Caller | None
    params: GenParams

    def record(self, step: PlannedTurn, role: str, text: str, out: Completion | None = None) -> TurnRecord:
        data: dict[str, object] = {
            "item": SESSION_ITEM,
            "epoch": self.task.epoch,
            "turn": 2 * (step.turn - 1) + (role == "assistant"),
            "turns": 2 * len(self.plan),
            "role": role,
            "kind": step.kind if role == "user" else "answer",
            "text": text,
            "subject": self.task.subject,
            "variant": step.variant,
            "probe": step.item,
        }
        if out is not None:
            data |= {
                "model": self.caller.model.spec,
                "tokens_in": out.tokens_in,
                "tokens_out": out.tokens_out,
                "latency_s": round(out.latency_s, 4),
                "cached": out.cached,
            }
        return TurnRecord.model_validate(data)

    async def user_text(self, step: PlannedTurn, history: list[Message]) -> str:
        if step.text is not None:
            text = step.text
        else:
            assert self.interlocutor is not None and self.session.interlocutor.brief is not None
            asked = _interlocutor_messages(self.session.interlocutor.brief, history)
            params = GenParams(
                temperature=0.7,
                max_tokens=INTERLOCUTOR_MAX_TOKENS,
                seed=self.params.seed + self.task.epoch,
            )
            try:
                out = await self.interlocutor.complete(asked, params)
            except ModelCallError as exc:
                raise SessionTurnError(exc, step.turn, self.interlocutor.model.spec) from None
            text = out.text.strip()
            if not text:
                raise SessionTurnError(
                    ModelCallError("the interlocutor wrote an empty message"),
                    step.turn,
                    self.interlocutor.model.spec,
                )
        if self.reminder and step.kind != "pressure":  # pressure tests the role unaided
            text = f"{text}\n\n{self.reminder}"
        return text


async def _run_session(
    s: _Session, records: list[TurnRecord], run: RunDir, appender: GroupAppender, on_turn: OnTurn | None
) -> None:
    by_turn = {r.turn: r for r in records}
    done = answered_turns(records)
    history = [Message(role="system", content=s.system_prompt)]
    for n in range(2 * done):
        history.append(Message(role=by_turn[n].role, content=by_turn[n].text))
    written_user = by_turn.get(2 * done)  # a question whose answer a crash cut off
    params = s.params.model_copy(update={"seed": s.params.seed + s.task.epoch})
    model = s.caller.model
    for step in s.plan[done:]:
        if written_user is not None and written_user.role == "user":
            text, new = written_user.text, []
            written_user = None
        else:
            text = await s.user_text(step, history)
            new = [s.record(step, "user", text)]
        asked = [*history, Message(role="user", content=text)]
        if model.context_window:
            need = await model.count_tokens(asked)
            if need is not None and need + params.max_tokens > model.context_window:
                stop = SessionStop(
                    epoch=s.task.epoch,
                    subject=s.task.subject,
                    context_exhausted_at=step.turn,
                    tokens_needed=need + params.max_tokens,
                    context_window=model.context_window,
                )
                await appender.append(run.sessions, [stop])
                return
        try:
            out = await s.caller.complete(asked, params)
        except ModelCallError as exc:
            if exc.context_exhausted:
                stop = SessionStop(
                    epoch=s.task.epoch,
                    subject=s.task.subject,
                    context_exhausted_at=step.turn,
                    context_window=model.context_window,
                    detail=exc.reason[:300],
                )
                await appender.append(run.sessions, [stop])
                return
            raise SessionTurnError(exc, step.turn, model.spec) from None
        await appender.append(run.transcript, [*new, s.record(step, "assistant", out.text, out)])
        history = [*asked, Message(role="assistant", content=out.text)]
        if on_turn:
            on_turn(out.tokens_out)


async def run_sessions(
    run: RunDir,
    tasks: list[SessionTask],
    *,
    instrument: Instrument,
    system_prompts: dict[Subject, str],
    caller: Caller,
    params: GenParams,
    interlocutor: Caller | None = None,
    reminders: dict[Subject, str] | None = None,
    on_turn: OnTurn | None = None,
) -> list[FailureRecord]:
    """Run every pending session, turn by turn (sessions run side by side); return the failures.

    A failed call ends its session for now (failures.jsonl names the turn); a resume continues it.
    """
    session = instrument.session
    assert session is not None
    items = {i.id: i for i in instrument.items}
    existing = session_turns(run)
    appender = GroupAppender()

    async def work(task: SessionTask) -> list[TurnRecord]:
        s = _Session(
            task=task,
            session=session,
            plan=session.plan(task.epoch, items),
            system_prompt=system_prompts[task.subject],
            reminder=(reminders or {}).get(task.subject),
            caller=caller,
            interlocutor=interlocutor,
            params=params,
        )
        await _run_session(s, existing.get((task.epoch, task.subject), []), run, appender, on_turn)
        return []  # every turn is already on disk

    def failed(task: SessionTask, exc: ModelCallError) -> FailureRecord:
        return FailureRecord(
            stage="interview",
            item=SESSION_ITEM,
            epoch=task.epoch,
            model=getattr(exc, "model", caller.model.spec),
            reason=exc.reason,
            subject=task.subject,
            session_turn=getattr(exc, "session_turn", None),
        )

    return await run_stage(run, tasks, work, into=run.transcript, failed=failed)
