"""Export the harness workload so the peers send the same text rolecall sends.

    .venv/bin/python bench/workload.py [--out bench/out/workload.json]

The persona's system prompt (examples/personas/ml-engineer.md), the 20 questions of the built-in
research-orientation instrument with their follow-ups, and per item × dimension rolecall's own
rubric prompt (judge system prompt, rubric text and verdict format, from rolecall.judge.prompt),
with ``{answer}`` where the answer goes. Inspect AI and promptfoo read this file, so all three
harnesses make the same calls: 22 subject calls and 25 judge calls per epoch.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rolecall.instrument import load_instrument
from rolecall.judge.prompt import SYSTEM, judge_messages, rubric_text, verdict_format
from rolecall.persona import load_persona

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, PERSONA

MARK = "\x00ANSWER\x00"


def build() -> dict[str, Any]:
    persona = load_persona(PERSONA)
    inst, _ = load_instrument("research-orientation")
    items = []
    for item in inst.items:
        dims = []
        for dim_id in item.dimensions:
            dim = inst.dimension(dim_id)
            user = judge_messages(inst, dim, item, item.prompt, MARK)[1].content
            dims.append(
                {
                    "id": dim_id,
                    "judge_user": user.replace(MARK, "{answer}"),
                    # promptfoo's llm-rubric wraps the output in its own grading template
                    "rubric": rubric_text(inst, dim, item)
                    + "\n\nRate the answer on this dimension only. Reply with one JSON object:\n"
                    + verdict_format(inst),
                }
            )
        items.append(
            {"id": item.id, "prompt": item.prompt, "follow_ups": list(item.follow_ups), "dimensions": dims}
        )
    return {
        "persona": persona.name,
        "system_prompt": persona.system_prompt(),
        "judge_system": SYSTEM,
        "items": items,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=OUT / "workload.json")
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(build(), indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
