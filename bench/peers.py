"""rolecall, Inspect AI and promptfoo on the same workload, against the same loopback server.

    .venv/bin/python bench/peers.py [--quick] [--runs 3] [--epochs 46] [--latency 0.2]

Needs the peers installed outside the project (bench/out is git-ignored; nothing here is a
project dependency):

    python3 -m venv bench/out/peers-venv && bench/out/peers-venv/bin/pip install inspect-ai openai
    npm install --prefix bench/out promptfoo

The workload is rolecall's (bench/workload.py exports the very strings rolecall sends): the
persona's system prompt, the 20 research-orientation questions with their 2 follow-ups
(22 subject calls per epoch) and one rubric verdict per item × dimension (25 judge calls per
epoch, the judge another model name on the same server), × epochs, 32 calls in flight.

- rolecall: ``rolecall run ... --judge openai:judge@URL --concurrency 32 --no-cache --no-track``
- Inspect AI: bench/peers/inspect_task.py (solver: system prompt, generate, follow-ups; a
  model-graded scorer, one grader call per dimension); ``--max-connections 32`` (which also sets
  max_samples), ``--display none``; it writes its .eval log as usual.
- promptfoo: a generated config; one test per question (the 2 follow-up questions as a second
  chat-format test carrying the first turn) with one ``llm-rubric`` assertion per dimension,
  ``--repeat epochs -j 32 --no-cache``; it writes its results database as usual.

Runs alternate (rolecall, inspect, promptfoo, rolecall, ...); wall time, CPU seconds (user+sys
of the process tree) and peak RSS (summed over the tree) are reported as medians and as ratios
to rolecall. Each run's server request count is checked against the expected number of calls.
Writes bench/results/peers.json.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    BENCH,
    OUT,
    ROOT,
    Server,
    as_dict,
    calls_per_epoch,
    ideal_s,
    loopback,
    machine,
    measure,
    median,
    run_rolecall,
    workload_parser,
    write_result,
)
from workload import build

PEERS_VENV = OUT / "peers-venv"
NODE_PREFIX = OUT
INSPECT = PEERS_VENV / "bin" / "inspect"
PROMPTFOO = NODE_PREFIX / "node_modules" / ".bin" / "promptfoo"


def _peer_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"inspect-ai": None, "promptfoo": None, "node": None}
    dist = list((PEERS_VENV / "lib").glob("python*/site-packages/inspect_ai-*.dist-info"))
    if dist:
        out["inspect-ai"] = dist[0].name.split("-")[1].removesuffix(".dist")
    pkg = NODE_PREFIX / "node_modules" / "promptfoo" / "package.json"
    if pkg.exists():
        out["promptfoo"] = json.loads(pkg.read_text())["version"]
    node = shutil.which("node")
    if node:
        import subprocess

        out["node"] = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    return out


def promptfoo_config(workload: dict[str, Any], url: str, answer: str) -> dict[str, Any]:
    system = {"role": "system", "content": workload["system_prompt"]}
    tests: list[dict[str, Any]] = []
    for item in workload["items"]:
        first = [system, {"role": "user", "content": item["prompt"]}]
        asserts = [{"type": "llm-rubric", "value": d["rubric"]} for d in item["dimensions"]]
        if not item["follow_ups"]:
            tests.append({"description": item["id"], "vars": {"messages": first}, "assert": asserts})
            continue
        tests.append({"description": item["id"], "vars": {"messages": first}})
        convo = list(first)
        for f in item["follow_ups"]:
            # the loopback server's answer is fixed, so this is exactly what rolecall sends
            convo += [{"role": "assistant", "content": answer}, {"role": "user", "content": f}]
        tests.append(
            {"description": item["id"] + "-follow-up", "vars": {"messages": convo}, "assert": asserts}
        )
    common = {"apiBaseUrl": url, "apiKey": "bench-dummy-key"}
    return {
        "description": "rolecall workload",
        "prompts": [{"id": "chat", "label": "chat", "raw": "{{ messages | dump }}"}],
        "providers": [
            {
                "id": "openai:chat:bench",
                "config": {**common, "temperature": 0.7, "top_p": 1, "max_tokens": 320, "seed": 0},
            }
        ],
        "defaultTest": {
            "options": {
                "provider": {
                    "id": "openai:chat:judge",
                    "config": {**common, "temperature": 0, "top_p": 1, "max_tokens": 220, "seed": 0},
                }
            }
        },
        "tests": tests,
    }


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env.update(OPENAI_API_KEY="bench-dummy-key", NO_COLOR="1", TERM="dumb")
    return env


def run_inspect(
    server: Server, epochs: int, concurrency: int, work: Path, timeout_s: float
) -> dict[str, Any]:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cmd = [
        str(INSPECT),
        "eval",
        str(BENCH / "peers" / "inspect_task.py@rolecall_workload"),
        "--model",
        "openai/bench",
        "-M",
        "responses_api=false",
        "-T",
        f"workload={OUT / 'workload.json'}",
        "-T",
        "grader=openai/judge",
        "-T",
        f"max_connections={concurrency}",
        "--epochs",
        str(epochs),
        "--max-connections",
        str(concurrency),
        "--log-dir",
        str(work / "logs"),
        "--display",
        "none",
    ]
    env = _env({"OPENAI_BASE_URL": server.url, "INSPECT_LOG_DIR": str(work / "logs")})
    server.reset()
    m = measure(cmd, env=env, cwd=ROOT, timeout_s=timeout_s, log=work / "inspect.log")
    return {"tool": "inspect", **as_dict(m), "server": server.stats()}


def run_promptfoo(
    server: Server, epochs: int, concurrency: int, work: Path, timeout_s: float
) -> dict[str, Any]:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    from loopback import ANSWER

    config = work / "promptfooconfig.yaml"  # JSON is YAML
    config.write_text(json.dumps(promptfoo_config(build(), server.url, ANSWER), indent=1))
    cmd = [
        str(PROMPTFOO),
        "eval",
        "-c",
        str(config),
        "--repeat",
        str(epochs),
        "-j",
        str(concurrency),
        "--no-cache",
        "--no-progress-bar",
        "--no-table",
    ]
    env = _env(
        {
            "PROMPTFOO_CONFIG_DIR": str(work / "home"),
            "PROMPTFOO_DISABLE_TELEMETRY": "1",
            "PROMPTFOO_DISABLE_UPDATE": "1",
            "PROMPTFOO_CACHE_ENABLED": "false",
            # its file loggers crash at exit ("write after end", exit 1) after a finished eval
            "PROMPTFOO_DISABLE_DEBUG_LOG": "true",
            "PROMPTFOO_DISABLE_ERROR_LOG": "true",
        }
    )
    server.reset()
    m = measure(cmd, env=env, cwd=work, timeout_s=timeout_s, log=work / "promptfoo.log")
    return {"tool": "promptfoo", **as_dict(m), "server": server.stats()}


def main() -> int:
    ap = workload_parser(__doc__, "10 epochs, 1 run of each")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per tool run")
    args = ap.parse_args()
    epochs, runs = (10, 1) if args.quick else (args.epochs, args.runs)
    subject, judge = calls_per_epoch()
    calls = (subject + judge) * epochs
    ideal = ideal_s(calls, args.latency, args.concurrency)
    (OUT / "workload.json").write_text(json.dumps(build(), indent=2) + "\n")

    tools: dict[str, Callable[[Server, Path], dict[str, Any]]] = {
        "rolecall": lambda s, w: run_rolecall(s, epochs, args.concurrency, w, timeout_s=args.timeout),
        "inspect": lambda s, w: run_inspect(s, epochs, args.concurrency, w, args.timeout),
        "promptfoo": lambda s, w: run_promptfoo(s, epochs, args.concurrency, w, args.timeout),
    }
    missing = {"inspect": INSPECT, "promptfoo": PROMPTFOO}
    for name, exe in missing.items():
        if not exe.exists():
            print(f"{name} is not installed ({exe} missing): see this script's docstring; skipped")
            del tools[name]
    rows: list[dict[str, Any]] = []
    with loopback(args.latency) as server:
        for i in range(runs):
            for name, fn in tools.items():
                row = fn(server, OUT / "peers" / f"{name}-{i}")
                row["run"] = i
                row["complete"] = row["returncode"] == 0 and row["server"]["requests"] == calls
                print(
                    f"run {i} {name:9s} wall {row['wall_s']:7.2f} s  cpu {row['cpu_s']:6.2f} s  "
                    f"peak rss {row['peak_rss_mb']:7.1f} MB  calls {row['server']['requests']}/{calls}  "
                    f"rc {row['returncode']}",
                    flush=True,
                )
                rows.append(row)
    summary: dict[str, dict[str, Any]] = {}
    for name in tools:
        mine = [r for r in rows if r["tool"] == name]
        summary[name] = {
            "wall_s": median([r["wall_s"] for r in mine]),
            "cpu_s": median([r["cpu_s"] for r in mine]),
            "peak_rss_mb": median([r["peak_rss_mb"] for r in mine]),
            "complete_runs": sum(r["complete"] for r in mine),
            "runs": len(mine),
        }
        summary[name]["wall_to_ideal"] = round(summary[name]["wall_s"] / ideal, 3)
    base = summary["rolecall"]
    for s in summary.values():
        s["wall_ratio"] = round(s["wall_s"] / base["wall_s"], 3)
        s["cpu_ratio"] = round(s["cpu_s"] / base["cpu_s"], 3)
        s["rss_ratio"] = round(s["peak_rss_mb"] / base["peak_rss_mb"], 3)
    peers = [s["wall_s"] for n, s in summary.items() if n != "rolecall"]
    result = {
        "machine": {**machine(), **_peer_versions()},
        "quick": args.quick,
        "latency_s": args.latency,
        "concurrency": args.concurrency,
        "epochs": epochs,
        "calls": calls,
        "ideal_s": ideal,
        "summary": summary,
        "rolecall_to_fastest_peer_wall": round(base["wall_s"] / min(peers), 3) if peers else None,
        "runs": rows,
    }
    for name, s in summary.items():
        print(
            f"{name:9s} median wall {s['wall_s']} s ({s['wall_ratio']}×), cpu {s['cpu_s']} s "
            f"({s['cpu_ratio']}×), peak rss {s['peak_rss_mb']} MB ({s['rss_ratio']}×)"
        )
    write_result("peers", result, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
