"""An optional narrative written by an LLM (``--writer SPEC``) from the run's JSON only.

The writer sees the summary figures and numbered verbatim quotes, and must cite quotes as [Q1].
Every sentence is then checked: a cited quote id must exist, and every number in the sentence
must appear in the data given to the writer (to two decimals). Sentences that fail are kept but
flagged as unsupported, so the report never presents an unchecked claim as fact. The result is
stored in ``narrative.json`` so that reports regenerate from the run's files alone.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from rolecall.calls import Caller, open_cache
from rolecall.models import GenParams, Message, make_model
from rolecall.rundir import RunDir, write_json_atomic

SYSTEM = (
    "You write the narrative section of a behavioural evaluation report. Use ONLY the data given. "
    "Cite quotes by their id in square brackets, e.g. [Q2]. Do not invent numbers: any number you "
    "write must appear in the data. Write 4 to 7 plain sentences, no headings, no lists."
)
_NUM = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_CITE = re.compile(r"\[(Q\d+)\]")
_SENT = re.compile(r"(?<=[.!?])\s+")


def writer_input(summary: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    quotes: dict[str, str] = {}
    dims = {}
    for dim_id, d in summary["dimensions"].items():
        ids = []
        for ev in d["evidence"][:2]:
            if ev.get("verified"):
                qid = f"Q{len(quotes) + 1}"
                quotes[qid] = ev["quote"]
                ids.append(qid)
        dims[dim_id] = {
            "name": d["name"],
            "mean": d["mean"],
            "ci_low": d["ci_low"],
            "ci_high": d["ci_high"],
            "n": d["n"],
            "quotes": ids,
        }
    data = {
        "persona": summary.get("persona"),
        "scale": summary["instrument"]["scale"],
        "overall": summary["overall"],
        "dimensions": dims,
        "hypothesis": (summary.get("hypothesis") or {}).get("verdict"),
        "quotes": quotes,
    }
    return data, quotes


def _numbers(data: Any) -> set[str]:
    found: set[str] = set()
    for m in _NUM.findall(json.dumps(data)):
        v = float(m)
        found |= {f"{v:.2f}", f"{v:.1f}", f"{v:g}", str(int(v)) if v.is_integer() else f"{v:.2f}"}
    return found


def check_sentences(text: str, data: dict[str, Any], quotes: dict[str, str]) -> list[dict[str, Any]]:
    known = _numbers(data)
    out = []
    for sentence in (s.strip() for s in _SENT.split(text.strip()) if s.strip()):
        problems = []
        for qid in _CITE.findall(sentence):
            if qid not in quotes:
                problems.append(f"cites unknown quote {qid}")
        bare = _CITE.sub("", sentence)
        for num in _NUM.findall(bare):
            v = float(num)
            if not ({f"{v:.2f}", f"{v:.1f}", f"{v:g}"} & known):
                problems.append(f"number {num} is not in the data")
        out.append(
            {
                "text": sentence,
                "cites": _CITE.findall(sentence),
                "supported": not problems,
                "problems": problems,
            }
        )
    return out


async def _write(spec: str, data: dict[str, Any]) -> str:
    cache = open_cache(True)
    model = make_model(spec)
    try:
        caller = Caller(model, cache, concurrency=1)
        out = await caller.complete(
            [
                Message(role="system", content=SYSTEM),
                Message(role="user", content=json.dumps(data, indent=1)),
            ],
            GenParams(temperature=0.2, max_tokens=400, seed=0),
        )
        return out.text
    finally:
        await model.aclose()
        if cache is not None:
            cache.close()


def write_narrative(run: RunDir, summary: dict[str, Any], spec: str) -> dict[str, Any]:
    data, quotes = writer_input(summary)
    text = asyncio.run(_write(spec, data))
    sentences = check_sentences(text, data, quotes)
    narrative = {
        "writer": spec,
        "quotes": quotes,
        "sentences": sentences,
        "unsupported": sum(not s["supported"] for s in sentences),
    }
    write_json_atomic(run.path / "narrative.json", narrative)
    return narrative


def read_narrative(run: RunDir) -> dict[str, Any] | None:
    return run.read_narrative()
