"""Rewrite the performance results table in bench/README.md from the bench's JSON results.

    .venv/bin/python bench/table.py [--results bench/results] [--print]

Reads ceiling.json, overhead.json, peers.json, local_model.json, cache.json and scale.json
(whichever exist) and replaces everything between ``<!-- bench:begin -->`` and
``<!-- bench:end -->`` in bench/README.md; ``--print`` writes the table to stdout instead (what
``make bench`` does with its quick results, leaving the README alone).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH, RESULTS

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def _load(results: Path, name: str) -> dict[str, Any] | None:
    path = results / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _ok(flag: bool) -> str:
    return "**met**" if flag else "**not met**"


def _x(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}×"


def render(results: Path) -> str:
    out: list[str] = []
    machines: list[dict[str, Any]] = []
    quick = False

    def note(data: dict[str, Any]) -> None:
        nonlocal quick
        machines.append(data["machine"])
        quick = quick or bool(data.get("quick"))

    out += [
        "| # | measure | result | target | |",
        "|---|---|---|---|---|",
    ]
    ov = _load(results, "overhead")
    if ov:
        note(ov)
        n_runs = sum(r.get("variant", "as is") == "as is" for r in ov["runs"])
        out.append(
            f"| 1 | harness overhead: {ov['subject_calls']:,} subject + {ov['judge_calls']:,} judge calls, "
            f"{ov['latency_s'] * 1000:.0f} ms each, concurrency {ov['concurrency']}; "
            f"median of {n_runs} | process wall {ov['median_wall_s']:.2f} s = "
            f"{_x(ov['ratio_to_ideal'])} ideal ({ov['ideal_s']:.2f} s); interview+judging stage "
            f"{ov['median_stage_wall_s']:.2f} s = {_x(ov['stage_ratio_to_ideal'])} | ≤ 1.10× ideal "
            f"| {_ok(ov['ratio_to_ideal'] <= 1.10)} (stage: {_ok(ov['stage_ratio_to_ideal'] <= 1.10)}) |"
        )
        ce = _load(results, "ceiling")
        if ce:
            note(ce)
            names = {"loopback": "bench/loopback.py", "faultserver": "tests/faults/server.py"}
            cells: dict[str, list[str]] = {}
            for r in ce["rows"]:
                cell = (
                    f"{r['requests_per_s']:,.0f} req/s at latency 0"
                    if r["latency_s"] == 0
                    else f"{_x(r['ratio_to_ideal'])} ideal for {r['requests']:,} calls "
                    f"at {r['latency_s'] * 1000:.0f} ms"
                )
                cells.setdefault(names.get(r["server"], r["server"]), []).append(cell)
            out.append(
                "| 1a | the server alone (trivial raw-socket client, concurrency 32) | "
                + "; ".join(f"{k}: {', '.join(v)}" for k, v in cells.items())
                + " | not the bottleneck | |"
            )
        if ov.get("startup_s") is not None:
            out.append(
                f"| 1b | of which fixed: `rolecall --help` (interpreter start + CLI imports), median of 3 "
                f"| {ov['startup_s']:.2f} s | | |"
            )
        for label, w in (ov.get("what_if") or {}).items():
            out.append(
                f"| 1c | what-if, same runs alternated: {label} (experiment, not rolecall's behaviour) | "
                f"process wall {w['median_wall_s']:.2f} s = {_x(w['median_wall_s'] / ov['ideal_s'])} ideal; "
                f"stage {w['median_stage_wall_s']:.2f} s = {_x(w['median_stage_wall_s'] / ov['ideal_s'])}; "
                f"CPU {w['median_cpu_s']:.2f} s (as is: {ov.get('median_cpu_s', 0):.2f} s) | | |"
            )
    pe = _load(results, "peers")
    if pe:
        note(pe)
        s = pe["summary"]
        peers = {k: v for k, v in s.items() if k != "rolecall"}
        runs = max(v["runs"] for v in s.values())
        for name, v in s.items():
            complete = f"{v['complete_runs']}/{v['runs']} runs complete"
            out.append(
                f"| 2 | {name}: same workload ({pe['calls']:,} calls, {pe['epochs']} epochs), median of "
                f"{runs} alternated runs | wall {v['wall_s']:.2f} s ({_x(v['wall_ratio'])}, "
                f"{_x(v['wall_to_ideal'])} ideal), CPU {v['cpu_s']:.2f} s ({_x(v['cpu_ratio'])}), "
                f"peak RSS {v['peak_rss_mb']:.0f} MB ({_x(v['rss_ratio'])}); {complete} | | |"
            )
        if peers:
            fastest = min(peers.values(), key=lambda v: v["wall_s"])
            wall_ok = s["rolecall"]["wall_s"] <= 0.8 * fastest["wall_s"]
            cpu_ok = all(s["rolecall"]["cpu_s"] < v["cpu_s"] for v in peers.values())
            out.append(
                f"| 2 | rolecall ÷ fastest peer | wall {_x(pe['rolecall_to_fastest_peer_wall'])}; "
                f"CPU lower than every peer: {'yes' if cpu_ok else 'no'} | wall ≤ 0.8×, lower CPU | "
                f"{_ok(wall_ok and cpu_ok)} |"
            )
    lm = _load(results, "local_model")
    if lm and "error" in lm:
        note(lm)
        out.append(
            f"| 3 | embedded model: rolecall vs sequential raw llama-cpp-python | failed: {lm['error']} "
            "| ≥ 1.5× | |"
        )
    elif lm:
        note(lm)
        st = lm["settings"]
        same = lm["identical_to_1_slot"]
        out.append(
            f"| 3 | embedded model ({lm['gguf']}), a whole interview: {st['items']} questions, "
            f"max_tokens {st['max_tokens']}, generated tokens/s, median of {st['repeats']} rounds "
            f"| rolecall {lm['rolecall']['tokens_per_s']:.1f} tok/s vs sequential raw llama-cpp-python "
            f"{lm['raw']['tokens_per_s']:.1f} tok/s = **{_x(lm['ratio'])}**; one slot "
            f"{lm['rolecall-1-slot']['tokens_per_s']:.1f} tok/s ({_x(lm['ratio_1_slot'])}); texts identical "
            f"to one slot: {same['same']}/{same['of']} | ≥ 1.5× | {_ok(lm['ratio'] >= lm.get('target', 1.5))} |"
        )
    ca = _load(results, "cache")
    if ca:
        note(ca)
        out.append(
            f"| 4 | identical config rerun, same cache dir ({ca['expected_calls']:,} requests; the cold run "
            "already serves repeated identical judge prompts from the cache) | "
            f"model calls {ca['cold_calls']:,} → **{ca['warm_calls']}**; "
            f"wall {ca['cold_wall_s']:.2f} s → {ca['warm_wall_s']:.2f} s | 0 calls "
            f"| {_ok(ca['warm_calls'] == 0)} |"
        )
    for name in ("scale", "scale-baseline"):
        sc = _load(results, name)
        if not sc:
            continue
        note(sc)
        targets = sc.get("targets", {})
        target_size = targets.get("size", 100_000)  # older results: the target was at 100k
        wall_t, rss_t = targets.get("wall_s", 60), targets.get("peak_rss_mb", 1024)
        for r in sc["rows"]:
            big = r["size"] >= target_size
            ok = r["wall_s"] < wall_t and r["peak_rss_mb"] < rss_t and r["returncode"] == 0
            label = " (+ baseline)" if sc.get("baseline") else ""
            per = ""
            if "us_per_answer" in r:
                per = f"; {r['us_per_answer']:g} µs, {r['kb_per_answer']:g} KB per answer"
                if "marginal_us_per_answer" in r:
                    per += (
                        f" (marginal {r['marginal_us_per_answer']:g} µs, {r['marginal_kb_per_answer']:g} KB)"
                    )
            out.append(
                f"| 5 | `rolecall report` on {r['size']:,} scored answers{label} ({r['epochs']:,} epochs, "
                f"{r['bytes'] / 2**20:,.0f} MiB of run files) | wall {r['wall_s']:.2f} s (finish() "
                f"{r['finish_s']} s), CPU {r['cpu_s']:.2f} s, peak RSS {r['peak_rss_mb']:.0f} MB{per} | "
                f"{f'< {wall_t} s, < 1 GiB' if big else ''} | {_ok(ok) if big else ''} |"
            )
        paper = sc.get("on_paper")
        if paper:
            out.append(
                f"| 5 | on paper: {paper['answers']:,} scored answers{label} (linear from the largest step) | "
                f"~{paper['wall_s']:,.0f} s, ~{paper['peak_rss_mb']:,.0f} MB peak RSS, "
                f"~{paper['run_files_gb']} GB of run files | | |"
            )
    if machines:
        m = machines[0]
        dates = sorted({x["date"][:10] for x in machines})
        loads = [x["loadavg_at_start"][0] for x in machines]
        extra = []
        if pe:
            pm = pe["machine"]
            extra = [
                f"inspect-ai {pm.get('inspect-ai')}",
                f"promptfoo {pm.get('promptfoo')} (node {pm.get('node')})",
            ]
        llama = lm["machine"].get("llama-cpp-python") if lm else m.get("llama-cpp-python")
        out += [
            "",
            f"Measured {', '.join(dates)} on {m['nproc']} cores ({m['cpu']}), Python {m['python']}; "
            + ", ".join([f"rolecall {m['rolecall']}", *extra, f"llama-cpp-python {llama}"])
            + f". 1-minute load average at the start of each script: {', '.join(f'{x:.1f}' for x in loads)} "
            "(other work shared the 2 cores; see the notes below)."
            + (" **Quick mode** (`--quick`): smaller workloads, one run each." if quick else ""),
        ]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--readme", type=Path, default=BENCH / "README.md")
    ap.add_argument("--print", action="store_true", help="print the table; leave the README alone")
    args = ap.parse_args()
    table = render(args.results)
    if args.print:
        print(table)
        return 0
    text = args.readme.read_text()
    if BEGIN not in text or END not in text:
        print(f"{args.readme} has no {BEGIN} … {END} markers", file=sys.stderr)
        return 1
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    args.readme.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")
    print(f"rewrote the table in {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
