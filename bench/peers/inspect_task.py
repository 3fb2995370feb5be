"""The harness workload as an Inspect AI task (run by bench/peers.py in the bench-only peers venv).

20 samples (the research-orientation questions, from bench/out/workload.json) × epochs; a solver
that sets the persona's system prompt, generates, then asks each follow-up in the same
conversation; a model-graded scorer that asks the grader model once per dimension of the item
with rolecall's own rubric prompt and reads the verdict's integer score. Same calls as rolecall:
22 subject calls and 25 judge calls per epoch.

    inspect eval bench/peers/inspect_task.py --model openai/bench -M responses_api=false \
        -T workload=... --epochs N --max-connections 32

(``responses_api=false``: the loopback server, like most OpenAI-compatible servers, speaks chat
completions only.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, GenerateConfig, get_model
from inspect_ai.scorer import Score, Target, mean, scorer
from inspect_ai.solver import Generate, TaskState, solver


@solver
def interview(system_prompt: str):  # type: ignore[no-untyped-def]
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.messages.insert(0, ChatMessageSystem(content=system_prompt))
        state = await generate(state)
        for follow_up in state.metadata["follow_ups"]:
            state.messages.append(ChatMessageUser(content=follow_up))
            state = await generate(state)
        return state

    return solve


@scorer(metrics=[mean()])
def rubric_judge(judge_system: str, grader: str, max_connections: int):  # type: ignore[no-untyped-def]
    config = GenerateConfig(
        temperature=0.0, top_p=1.0, max_tokens=220, seed=0, max_connections=max_connections
    )

    async def score(state: TaskState, target: Target) -> Score:
        model = get_model(grader, config=config, responses_api=False)
        said = [m.text for m in state.messages if m.role == "assistant"]
        if len(said) == 1:
            answer = said[0]
        else:
            parts = []
            for m in state.messages[2:]:
                if m.role in ("user", "assistant"):
                    label = "Answer" if m.role == "assistant" else "Follow-up question"
                    parts.append(f"{label}: {m.text}")
            answer = "\n\n".join(parts)
        scores: dict[str, int] = {}
        for dim in state.metadata["dimensions"]:
            out = await model.generate(
                [
                    ChatMessageSystem(content=judge_system),
                    ChatMessageUser(content=dim["judge_user"].replace("{answer}", answer)),
                ]
            )
            found = re.search(r"\{.*\}", out.completion, re.S)
            scores[dim["id"]] = int(json.loads(found.group(0))["score"]) if found else 0
        return Score(value=sum(scores.values()) / len(scores), metadata=scores)

    return score


@task
def rolecall_workload(workload: str, grader: str = "openai/judge", max_connections: int = 32) -> Task:
    data = json.loads(Path(workload).read_text())
    samples = [
        Sample(
            id=item["id"],
            input=item["prompt"],
            metadata={"follow_ups": item["follow_ups"], "dimensions": item["dimensions"]},
        )
        for item in data["items"]
    ]
    return Task(
        dataset=samples,
        solver=interview(data["system_prompt"]),
        scorer=rubric_judge(data["judge_system"], grader, max_connections),
        config=GenerateConfig(temperature=0.7, top_p=1.0, max_tokens=320, seed=0),
    )
