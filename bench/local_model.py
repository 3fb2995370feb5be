"""The embedded model through rolecall versus raw llama-cpp-python: tokens per second.

    .venv/bin/python bench/local_model.py [--quick] [--prompts 5] [--max-tokens 64]

Same GGUF (the embedded Qwen2.5-Coder-0.5B-Instruct, assembled by ``ensure_embedded``), same
settings (rolecall's n_ctx and n_threads, temperature, top_p, max_tokens, seed), same chat
messages (the persona's system prompt and the first research-orientation questions).

- rolecall: the code path a run uses — ``make_model("local")`` → ``Caller.complete`` (no cache)
  → ``LocalModel.generate`` (``asyncio.to_thread`` → ``create_chat_completion`` under its lock);
  time measured around ``Caller.complete``.
- raw: ``llama_cpp.Llama(...)`` loaded separately with the same arguments,
  ``create_chat_completion`` timed directly.

One untimed warm-up call each (same system prompt, so both hold its prefix in the KV cache);
then ``--repeats`` rounds over the prompts, the two paths alternating per prompt (order flipped
every other call). tokens/s = completion tokens ÷ wall seconds of all timed calls. Writes
bench/results/local_model.json.

The measurement runs in a child process, so that a llama.cpp build this CPU cannot run (e.g.
one compiled with ``-march=native`` AMX tile instructions on a VM that does not enable AMX: the
process dies of SIGILL) is reported as such. ``--llama-path DIR`` puts another build of
llama-cpp-python first on the path (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rolecall.calls import Caller
from rolecall.instrument import load_instrument
from rolecall.models import GenParams, Message, make_model
from rolecall.models.embedded import ensure_embedded
from rolecall.models.local import N_CTX
from rolecall.persona import load_persona

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PERSONA, RESULTS, ROOT, machine, write_result


def prompts(n: int) -> list[list[Message]]:
    persona = load_persona(PERSONA)
    inst, _ = load_instrument("research-orientation")
    system = Message(role="system", content=persona.system_prompt())
    return [[system, Message(role="user", content=item.prompt)] for item in inst.items[:n]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 prompts, 32 tokens, 1 round")
    ap.add_argument("--repeats", type=int, default=3, help="rounds over the prompts")
    ap.add_argument("--prompts", type=int, default=5)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--llama-path", type=Path, help="a directory holding another llama_cpp build")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.child:
        env = dict(os.environ)
        if args.llama_path:
            env["PYTHONPATH"] = os.pathsep.join([str(args.llama_path.resolve()), env.get("PYTHONPATH", "")])
        proc = subprocess.run([sys.executable, __file__, *sys.argv[1:], "--child"], env=env, timeout=900)
        if proc.returncode < 0:
            sig = signal.Signals(-proc.returncode).name
            error = f"the measurement process died of {sig}" + (
                ": this llama-cpp-python build uses instructions this CPU cannot run "
                "(see bench/README.md, 'Local model path')"
                if sig == "SIGILL"
                else ""
            )
            print(error, file=sys.stderr)
            write_result(
                "local_model", {"machine": machine(), "quick": args.quick, "error": error}, args.results
            )
            return 1
        return proc.returncode
    n, max_tokens, repeats = (3, 32, 1) if args.quick else (args.prompts, args.max_tokens, args.repeats)
    params = GenParams(temperature=args.temperature, max_tokens=max_tokens, seed=args.seed)
    t = time.perf_counter()
    path = ensure_embedded()
    assemble_s = time.perf_counter() - t
    model = make_model("local")
    caller = Caller(model, None, concurrency=1, seed=args.seed)

    import llama_cpp
    from llama_cpp import Llama

    print(f"llama_cpp {llama_cpp.__version__} from {Path(llama_cpp.__file__).parent}", flush=True)

    n_threads = max(1, os.cpu_count() or 1)  # what rolecall.models.local passes
    raw = Llama(model_path=str(path), n_ctx=N_CTX, n_threads=n_threads, verbose=False)

    def raw_call(messages: list[Message]) -> tuple[float, int]:
        start = time.perf_counter()
        out: Any = raw.create_chat_completion(
            messages=[m.model_dump() for m in messages],  # type: ignore[misc]
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_tokens,
            seed=params.seed,
        )
        return time.perf_counter() - start, int(out["usage"]["completion_tokens"])

    async def rolecall_call(messages: list[Message]) -> tuple[float, int]:
        start = time.perf_counter()
        out = await caller.complete(messages, params)
        return time.perf_counter() - start, out.tokens_out

    async def go() -> dict[str, list[tuple[float, int]]]:
        msgs = prompts(n)
        warm = [msgs[0][0], Message(role="user", content="Say hello.")]
        await rolecall_call(warm)
        raw_call(warm)
        res: dict[str, list[tuple[float, int]]] = {"rolecall": [], "raw": []}
        k = 0
        for r in range(repeats):
            for i, m in enumerate(msgs):
                order = ("rolecall", "raw") if k % 2 == 0 else ("raw", "rolecall")
                k += 1
                for who in order:
                    res[who].append(await rolecall_call(m) if who == "rolecall" else raw_call(m))
                    secs, toks = res[who][-1]
                    print(f"round {r} prompt {i} {who:8s} {toks} tokens in {secs:.2f} s", flush=True)
        await model.aclose()
        return res

    res = asyncio.run(go())
    out: dict[str, Any] = {
        "machine": machine(),
        "quick": args.quick,
        "gguf": path.name,
        "llama_cpp_build": str(Path(llama_cpp.__file__).parent.parent.relative_to(ROOT))
        if Path(llama_cpp.__file__).is_relative_to(ROOT)
        else "project venv",
        "gguf_ready_s": round(assemble_s, 2),
        "settings": {
            "n_ctx": N_CTX,
            "n_threads": n_threads,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": max_tokens,
            "seed": params.seed,
            "prompts": n,
            "repeats": repeats,
        },
    }
    for who, rows in res.items():
        secs = sum(r[0] for r in rows)
        toks = sum(r[1] for r in rows)
        out[who] = {"seconds": round(secs, 3), "tokens": toks, "tokens_per_s": round(toks / secs, 2)}
    out["ratio"] = round(out["rolecall"]["tokens_per_s"] / out["raw"]["tokens_per_s"], 3)
    # the same prompt and round on both paths, back to back: robust to load spikes between pairs
    pairs = [b[0] / a[0] for a, b in zip(res["rolecall"], res["raw"], strict=True) if a[1] == b[1]]
    out["paired_median_ratio"] = round(statistics.median(pairs), 3) if pairs else None
    out["calls"] = {who: [[round(t, 3), k] for t, k in rows] for who, rows in res.items()}
    out["target"] = 0.95
    print(
        f"rolecall {out['rolecall']['tokens_per_s']} tok/s, raw {out['raw']['tokens_per_s']} tok/s, "
        f"ratio {out['ratio']} (median of paired per-call ratios {out['paired_median_ratio']})"
    )
    write_result("local_model", out, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
