"""Embedded-model throughput for a whole interview: rolecall's batched engine against sequential
raw llama-cpp-python, as generated tokens per second.

    .venv/bin/python bench/local_model.py [--quick] [--items 16] [--max-tokens 320] [--repeats 2]

Same GGUF (the embedded Qwen2.5-Coder-0.5B-Instruct, assembled by ``ensure_embedded``), same
threads and context per conversation, same chat messages: the persona's system prompt
(examples/personas/ml-engineer.md) and the first ``--items`` research-orientation questions,
each with its own seed (seed + item index), temperature 0.7, top_p 0.95 and max_tokens 320 (the
run defaults: answers run to their natural end, ~190 tokens here).

- ``raw``: ``llama_cpp.Llama(model_path, n_ctx, n_threads)`` with llama-cpp-python's defaults,
  ``create_chat_completion`` once per question, one after another: what a plain script does.
  llama-cpp-python keeps the previous call's tokens and reads only the part of the next prompt
  that differs, so the shared system prompt is read once here too.
- ``rolecall``: the code path a run takes — ``make_model("local")`` → ``Caller.complete``
  (no cache) at the run's default concurrency (4), all questions submitted at once, as the
  interview stage submits them: the batched engine (``rolecall.models.llama_engine``) decodes up
  to ``ROLECALL_LOCAL_SLOTS`` (4) conversations per llama.cpp call and copies the system prompt's
  KV cache between slots.
- ``rolecall-1-slot``: the same with ``ROLECALL_LOCAL_SLOTS=1`` (one call at a time): what the
  engine's arithmetic settings cost (no repacked weights, no flash attention; see the engine's
  docstring), and the reference for the identity check.

Each (round, path) runs in its own process (model load not timed), paths alternating in order
within a round. tokens/s = completion tokens ÷ wall seconds from the first call to the last
answer. The outputs of ``rolecall`` and ``rolecall-1-slot`` are compared text for text (they must
be identical: same prompts, same seeds). Writes bench/results/local_model.json.

A process that dies of SIGILL (a llama.cpp build with instructions this CPU lacks, e.g. AMX on a
VM) is reported as such; ``--llama-path DIR`` puts another build of llama-cpp-python first on
the path (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PERSONA, RESULTS, machine, write_result

from rolecall.defaults import DEFAULT_MAX_TOKENS

PATHS = ("raw", "rolecall", "rolecall-1-slot")


def _messages(items: int) -> list[list[dict[str, str]]]:
    from rolecall.instrument import load_instrument
    from rolecall.persona import load_persona

    persona = load_persona(PERSONA)
    inst, _ = load_instrument("research-orientation")
    system = {"role": "system", "content": persona.system_prompt()}
    return [[system, {"role": "user", "content": item.prompt}] for item in inst.items[:items]]


def child(path: str, items: int, max_tokens: int, seed: int) -> dict[str, Any]:
    """One whole interview on one path; the texts, tokens and seconds."""
    from rolecall.models.embedded import ensure_embedded
    from rolecall.models.local import N_CTX, N_THREADS

    gguf = ensure_embedded()
    msgs = _messages(items)
    texts: list[str] = []
    tokens = 0
    if path == "raw":
        from llama_cpp import Llama

        llm = Llama(model_path=str(gguf), n_ctx=N_CTX, n_threads=N_THREADS, verbose=False)
        start = time.perf_counter()
        for i, m in enumerate(msgs):
            out: Any = llm.create_chat_completion(
                messages=m,  # type: ignore[arg-type]
                temperature=0.7,
                top_p=0.95,
                max_tokens=max_tokens,
                seed=seed + i,
            )
            texts.append(out["choices"][0]["message"]["content"] or "")
            tokens += int(out["usage"]["completion_tokens"])
        seconds = time.perf_counter() - start
        llm.close()
    else:
        from rolecall.calls import Caller
        from rolecall.defaults import DEFAULT_CONCURRENCY
        from rolecall.models import GenParams, Message, make_model

        model = make_model("local")

        async def go() -> tuple[float, list[Any]]:
            caller = Caller(model, None, concurrency=DEFAULT_CONCURRENCY, seed=seed)
            await model.count_tokens([Message(role="user", content="load")])  # load, untimed
            start = time.perf_counter()
            outs = await asyncio.gather(
                *[
                    caller.complete(
                        [Message(**x) for x in m],  # type: ignore[arg-type]
                        GenParams(temperature=0.7, top_p=0.95, max_tokens=max_tokens, seed=seed + i),
                    )
                    for i, m in enumerate(msgs)
                ]
            )
            return time.perf_counter() - start, outs

        seconds, outs = asyncio.run(go())
        texts = [o.text for o in outs]
        tokens = sum(o.tokens_out for o in outs)
    return {"seconds": seconds, "tokens": tokens, "texts": texts}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="6 questions, 32 tokens, 1 round")
    ap.add_argument("--items", type=int, default=16, help="questions in the interview")
    ap.add_argument("--max-tokens", type=int, default=DEFAULT_MAX_TOKENS)
    ap.add_argument("--repeats", type=int, default=2, help="rounds over the three paths")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--llama-path", type=Path, help="a directory holding another llama_cpp build")
    ap.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    items, max_tokens, repeats = (6, 32, 1) if args.quick else (args.items, args.max_tokens, args.repeats)
    if args.child:
        print(json.dumps(child(args.child, items, max_tokens, args.seed)))
        return 0
    env = dict(os.environ)
    if args.llama_path:
        env["PYTHONPATH"] = os.pathsep.join([str(args.llama_path.resolve()), env.get("PYTHONPATH", "")])
    info = machine()
    runs: dict[str, list[dict[str, Any]]] = {p: [] for p in PATHS}
    for r in range(repeats):
        for path in PATHS if r % 2 == 0 else tuple(reversed(PATHS)):
            penv = dict(env, ROLECALL_LOCAL_SLOTS="1") if path == "rolecall-1-slot" else env
            cmd = [sys.executable, __file__, *sys.argv[1:], "--child", path]
            proc = subprocess.run(cmd, env=penv, capture_output=True, text=True, timeout=1800)
            if proc.returncode != 0:
                error = f"the {path} process failed (exit {proc.returncode})"
                if proc.returncode < 0 and signal.Signals(-proc.returncode).name == "SIGILL":
                    error += ": this llama-cpp-python build uses instructions this CPU cannot run"
                print(error, proc.stderr[-2000:], file=sys.stderr)
                write_result(
                    "local_model", {"machine": info, "quick": args.quick, "error": error}, args.results
                )
                return 1
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            runs[path].append(res)
            print(
                f"round {r} {path:16s} {res['tokens']} tokens in {res['seconds']:.1f} s = "
                f"{res['tokens'] / res['seconds']:.1f} tok/s",
                flush=True,
            )
    out: dict[str, Any] = {
        "machine": info,
        "quick": args.quick,
        "gguf": "qwen2.5-coder-0.5b-instruct-q4.gguf",
        "settings": {"items": items, "max_tokens": max_tokens, "repeats": repeats, "temperature": 0.7},
    }
    for path, rows in runs.items():
        rates = [x["tokens"] / x["seconds"] for x in rows]
        out[path] = {
            "tokens_per_s": round(statistics.median(rates), 2),
            "per_round": [round(x, 2) for x in rates],
            "tokens": [x["tokens"] for x in rows],
        }
    # the same round's paths ran back to back: their ratio is robust to load between rounds
    paired = [
        b["tokens"] / b["seconds"] / (a["tokens"] / a["seconds"])
        for a, b in zip(runs["raw"], runs["rolecall"], strict=True)
    ]
    out["ratio"] = round(statistics.median(paired), 3)
    out["ratio_1_slot"] = round(
        statistics.median(
            b["tokens"] / b["seconds"] / (a["tokens"] / a["seconds"])
            for a, b in zip(runs["raw"], runs["rolecall-1-slot"], strict=True)
        ),
        3,
    )
    same = [
        sum(x == y for x, y in zip(a["texts"], b["texts"], strict=True))
        for a, b in zip(runs["rolecall"], runs["rolecall-1-slot"], strict=True)
    ]
    out["identical_to_1_slot"] = {"same": min(same), "of": items}
    out["target"] = 1.5
    print(
        f"rolecall {out['rolecall']['tokens_per_s']} tok/s, one slot {out['rolecall-1-slot']['tokens_per_s']}, "
        f"raw {out['raw']['tokens_per_s']}: ratio {out['ratio']}× (one slot {out['ratio_1_slot']}×); "
        f"texts identical to one slot: {min(same)}/{items}"
    )
    write_result("local_model", out, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
