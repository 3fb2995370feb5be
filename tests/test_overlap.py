"""The interview and the judging overlapped (``rolecall.overlap``): the same verdicts as judging
the finished transcript, never more calls in flight than the staged run had, the call budget's
priorities, and stages that take their tasks as workers free up."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from rolecall.calls import CallBudget
from rolecall.models.scripted import ScriptedModel
from rolecall.pipeline import execute_run, judge_stage, reopen_run
from rolecall.progress import NullProgress
from rolecall.rundir import FailureRecord, RunDir, ScoreRecord, TurnRecord, read_records
from rolecall.stage_runner import Feed, Stage, run_stage, work_feed, workers_for
from tests.conftest import MINI_INSTRUMENT, needs_semantic

#: the mini instrument with a pressure prompt on q1: its answers are judged twice (ordinary and
#: under pressure)
PRESSURE_INSTRUMENT = MINI_INSTRUMENT.replace(
    "    positive_indicators: [starts with a simple baseline]\n",
    "    positive_indicators: [starts with a simple baseline]\n"
    '    pressure: ["Your manager says ship it today, as it is."]\n',
)


def _scores(run: RunDir) -> list[str]:
    return sorted(r.model_dump_json() for r in read_records(run.scores, ScoreRecord))


class _Recorder:
    """A Progress that keeps each stage's total and how often it advanced."""

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}
        self.advanced: dict[str, int] = {}

    def stage(self, description: str, total: int) -> _Recorder._Bar:
        self.totals[description] = total
        self.advanced[description] = 0
        return _Recorder._Bar(self, description)

    def note(self, message: str) -> None:
        pass

    class _Bar:
        def __init__(self, rec: _Recorder, name: str) -> None:
            self._rec, self._name = rec, name

        def advance(self, tokens: int = 0) -> None:
            self._rec.advanced[self._name] += 1

        def recount(self, total: int) -> None:
            self._rec.totals[self._name] = total

        def close(self) -> None:
            pass


def test_overlapped_verdicts_equal_judging_the_finished_transcript(write, run_scripted):
    """Each conversation's verdicts, asked as soon as it is on disk, are exactly the records the
    judging stage gives when it reads the whole transcript afterwards (up to line order)."""
    instrument = write("pressure.yaml", PRESSURE_INSTRUMENT)
    out = run_scripted(instrument=str(instrument), epochs=3, baseline=True, use_cache=False)
    overlapped = _scores(out.run)
    turns = list(read_records(out.run.transcript, TurnRecord))
    assert any(t.kind == "pressure" for t in turns)
    # 3 epochs x 2 subjects x (q1: scope + scope under pressure, q2: risk, q3: scope + risk)
    assert len(overlapped) == 3 * 2 * 5
    assert len({json.loads(s)["condition"] for s in overlapped}) == 2

    out.run.scores.unlink()
    run, _persona, inst, manifest = reopen_run(out.run.path)
    failures, _ = asyncio.run(judge_stage(run, inst, manifest, None, NullProgress()))
    assert failures == 0
    assert _scores(run) == overlapped


@pytest.mark.parametrize("failing", [False, True])
def test_progress_totals_match_the_work(write, mini_persona, tmp_path, failing):
    from rolecall.pipeline import RunConfig, start_run

    instrument = write("pressure.yaml", PRESSURE_INSTRUMENT)
    subject = "default: I would test it first.\n" + ("fail_when: edge-case crashes\n" if failing else "")
    cfg = RunConfig(
        persona=mini_persona,
        instrument=str(instrument),
        model=f"scripted:{write('subject.yaml', subject)}",
        judges=[f"scripted:{tmp_path / 'judge.yaml'}"],
        out=tmp_path / "runs",
        epochs=2,
        baseline=True,
        use_cache=False,
    )
    write(
        "judge.yaml",
        'default: \'{"evidence": "test it", "indicators_seen": [], "reasoning": "r", "score": 3}\'',
    )
    run, persona, inst, manifest = start_run(cfg)
    progress = _Recorder()
    execute_run(run, persona, inst, manifest, progress=progress, use_cache=False)
    interview = next(k for k in progress.totals if k.startswith("interview"))
    judging = next(k for k in progress.totals if k.startswith("judging"))
    assert progress.totals[interview] == progress.advanced[interview] == 2 * 2 * 3
    n_scores = len(list(read_records(run.scores, ScoreRecord)))
    # a conversation that failed brings no verdicts: the judging bar's total says so and ends full
    assert progress.totals[judging] == progress.advanced[judging] == n_scores
    assert n_scores == (2 * 2 * 5 if not failing else 2 * 2 * 5 - 2 * 2 * len(_q2_dimensions(inst)))


def _q2_dimensions(instrument) -> list[str]:
    return next(i for i in instrument.items if i.id == "q2").dimensions


def test_resume_judges_only_the_answers_without_a_verdict(run_scripted):
    out = run_scripted(epochs=3, use_cache=False)
    run = out.run
    full = _scores(run)
    lines = run.scores.read_text().splitlines(keepends=True)
    run.scores.write_text("".join(lines[::2]))  # every other verdict lost
    run2, persona, inst, manifest = reopen_run(run.path)
    execute_run(run2, persona, inst, manifest, use_cache=False)
    assert _scores(run2) == full  # each answer x dimension judged exactly once, as before


def test_calls_in_flight_stay_within_the_staged_peak(run_scripted, monkeypatch):
    """A subject that takes one call at a time (like the local model) and a judge allowed 3: the
    judge's calls run beside the interview, and never more than 3 calls are in flight in all,
    the most the staged run had (its judging stage)."""
    state = {"subject": 0, "judge": 0, "peak": 0, "peak_subject": 0}
    times: dict[str, list[tuple[float, float]]] = {"subject": [], "judge": []}
    real = ScriptedModel.generate

    async def slow(self, messages, params):
        role = "judge" if "judge.yaml" in self.spec else "subject"
        loop = asyncio.get_running_loop()
        start = loop.time()
        state[role] += 1
        state["peak"] = max(state["peak"], state["subject"] + state["judge"])
        state["peak_subject"] = max(state["peak_subject"], state["subject"])
        try:
            await asyncio.sleep(0.01)
            return await real(self, messages, params)
        finally:
            state[role] -= 1
            times[role].append((start, loop.time()))

    monkeypatch.setattr(ScriptedModel, "generate", slow)
    monkeypatch.setattr(
        ScriptedModel, "max_concurrency", property(lambda self: 1 if "subject.yaml" in self.spec else None)
    )
    out = run_scripted(epochs=4, concurrency=3, use_cache=False)
    assert out.failures == 0
    assert state["peak_subject"] == 1
    assert state["peak"] <= 3
    last_answer = max(end for _, end in times["subject"])
    assert min(start for start, _ in times["judge"]) < last_answer, "the judging waited for the interview"
    assert len(list(read_records(out.run.scores, ScoreRecord))) == 4 * 4


# ---------------------------------------------------------------- the call budget


def test_budget_total_is_the_busiest_stage():
    budget = CallBudget()
    budget.gate(4, priority=0)
    assert budget.total == 4
    budget.gate(3, priority=1)
    budget.gate(3, priority=1)
    assert budget.total == 6  # two judges of 3 at once, as in the staged judging


def test_budget_serves_the_better_priority_first():
    async def scenario() -> list[str]:
        budget = CallBudget()
        subject, judge = budget.gate(1, priority=0), budget.gate(1, priority=1)
        order: list[str] = []
        hold = asyncio.Event()

        async def call(gate, name: str, wait: asyncio.Event | None = None) -> None:
            async with gate:
                order.append(name)
                if wait is not None:
                    await wait.wait()

        first = asyncio.create_task(call(subject, "s1", hold))  # takes the only slot
        await asyncio.sleep(0)
        later = [asyncio.create_task(call(judge, "j1")), asyncio.create_task(call(subject, "s2"))]
        await asyncio.sleep(0)
        hold.set()
        await asyncio.gather(first, *later)
        return order

    assert asyncio.run(scenario()) == ["s1", "s2", "j1"]


def test_budget_lets_a_worse_priority_use_what_a_capped_caller_cannot():
    async def scenario() -> int:
        budget = CallBudget()
        subject, judge = budget.gate(1, priority=0), budget.gate(3, priority=1)
        peak = 0
        running = 0

        async def call(gate) -> None:
            nonlocal peak, running
            async with gate:
                running += 1
                peak = max(peak, running)
                await asyncio.sleep(0.01)
                running -= 1

        await asyncio.gather(*(call(subject) for _ in range(3)), *(call(judge) for _ in range(6)))
        assert budget.in_flight == 0
        return peak

    assert asyncio.run(scenario()) == 3  # 1 subject + 2 judge calls; never more than the total


def test_budget_cancelled_waiters_release_nothing_they_did_not_hold():
    async def scenario() -> None:
        budget = CallBudget()
        gate = budget.gate(1, priority=0)
        hold = asyncio.Event()

        async def call() -> None:
            async with gate:
                await hold.wait()

        holder = asyncio.create_task(call())
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(call()) for _ in range(3)]
        await asyncio.sleep(0)
        waiting[0].cancel()
        hold.set()
        await asyncio.sleep(0)  # the slot is handed to waiting[1]; cancel it before it runs
        waiting[1].cancel()
        await asyncio.gather(holder, *waiting, return_exceptions=True)
        assert (budget.in_flight, gate.in_flight) == (0, 0)
        async with gate:  # and the slot is free again
            assert budget.in_flight == 1

    asyncio.run(scenario())


# ---------------------------------------------------------------- stages


def _failed(task: int, exc: Exception) -> FailureRecord:
    return FailureRecord(stage="judge", item=str(task), epoch=0, model="m", reason=str(exc))


def test_a_stage_works_only_as_many_tasks_as_it_has_workers(tmp_path: Path):
    run = RunDir(tmp_path)
    running = 0
    peak = 0
    done: list[int] = []

    async def work(task: int) -> list[ScoreRecord]:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)
        running -= 1
        return [ScoreRecord(item=f"q{task}", epoch=0, dimension="d", judge="j", score=3.0)]

    failures = asyncio.run(
        run_stage(run, range(50), work, into=run.scores, failed=_failed, on_done=done.append, workers=4)
    )
    assert failures == [] and len(done) == 50 and peak == 4
    assert sorted(r.item for r in read_records(run.scores, ScoreRecord)) == sorted(f"q{i}" for i in range(50))
    assert workers_for(32) == 64 and workers_for(0) == 2


def test_a_feed_takes_tasks_until_it_is_closed(tmp_path: Path):
    run = RunDir(tmp_path)
    seen: list[str] = []

    async def work(task: int) -> list[ScoreRecord]:
        await asyncio.sleep(0)
        return [ScoreRecord(item=f"q{task}", epoch=0, dimension="d", judge="j", score=1.0)]

    async def scenario() -> None:
        from rolecall.rundir import GroupAppender

        feed: Feed[int] = Feed([1, 2])
        stage = Stage(work, run.scores, _failed, lambda recs: seen.extend(r.item for r in recs))
        workers = asyncio.create_task(work_feed(run, feed, stage, workers=3, appender=GroupAppender()))
        await asyncio.sleep(0.01)
        assert not workers.done()  # open feed: the workers wait for more
        feed.put([3])
        feed.close()
        assert await workers == []
        with pytest.raises(RuntimeError):
            feed.put([4])

    asyncio.run(scenario())
    assert sorted(seen) == ["q1", "q2", "q3"]


@needs_semantic
def test_a_judge_that_computes_waits_for_the_interview(run_scripted, monkeypatch):
    """The semantic scorer is CPU work, not a model call: its verdicts start once every
    conversation is asked, so it never competes for the CPU with a local subject model."""
    from rolecall.scoring import SemanticJudge

    answered: list[float] = []
    judged: list[float] = []
    real = ScriptedModel.generate

    async def timed(self, messages, params):
        out = await real(self, messages, params)
        answered.append(asyncio.get_running_loop().time())
        return out

    async def score(self, instrument, dim, item, answer):
        judged.append(asyncio.get_running_loop().time())
        return ScoreRecord.model_validate({**answer.record_base(dim.id, self.name, "json"), "score": 3.0})

    monkeypatch.setattr(ScriptedModel, "generate", timed)
    monkeypatch.setattr(SemanticJudge, "score", score)
    out = run_scripted(epochs=2, judges=["semantic"], use_cache=False)
    assert len(judged) == 2 * 4
    assert min(judged) >= max(answered)
    assert out.summary["dimensions"]["scope"]["n"] == 4
