"""The `scripted` provider: a deterministic test double driven by a YAML/JSON rules file.

File format::

    rules:
      - when: "edge cases"        # regex, searched in the conversation (all messages joined)
        reply: "Crashes are data."  # a string, or a list picked by a hash of the conversation
    default: "I would build a quick prototype."
    fail_when: "FAIL_ME"          # optional: conversations matching raise a failed call

For unit tests only; never for a demo or a benchmark figure.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from rolecall.errors import ModelCallError, RolecallError
from rolecall.hashing import sha256_text
from rolecall.models.base import Completion, GenParams, Message, ModelAPI
from rolecall.yamlio import load_yaml_text, read_text


class ScriptedModel(ModelAPI):
    def __init__(self, spec: str, path: Path):
        text = read_text(path, what="scripted model")
        data, lines = load_yaml_text(text, path=path)
        if not isinstance(data, dict):
            raise RolecallError("a scripted model file must be a mapping with 'rules'", path=path, line=1)
        self.spec = spec
        self.identity = f"scripted#{sha256_text(text)[:16]}"
        self.rules: list[tuple[re.Pattern[str], list[str]]] = []
        for i, rule in enumerate(data.get("rules") or []):
            line = lines.get(("rules", i))
            if not isinstance(rule, dict) or "when" not in rule or "reply" not in rule:
                raise RolecallError("each rule needs 'when' and 'reply'", path=path, line=line)
            try:
                pattern = re.compile(str(rule["when"]), re.IGNORECASE | re.DOTALL)
            except re.error as exc:
                raise RolecallError(f"bad regex in 'when': {exc}", path=path, line=line) from None
            replies = rule["reply"] if isinstance(rule["reply"], list) else [rule["reply"]]
            self.rules.append((pattern, [str(r) for r in replies]))
        self.default = str(data.get("default", "I have no scripted answer for that."))
        fail = data.get("fail_when")
        self.fail_when = re.compile(str(fail), re.IGNORECASE) if fail else None
        self.calls = 0

    async def generate(self, messages: list[Message], params: GenParams) -> Completion:
        self.calls += 1
        convo = "\n".join(m.content for m in messages)
        if self.fail_when and self.fail_when.search(convo):
            raise ModelCallError("scripted failure (fail_when matched)")
        replies = [self.default]
        for pattern, options in self.rules:
            if pattern.search(convo):
                replies = options
                break
        pick = int(hashlib.sha256(f"{convo}|{params.seed}".encode()).hexdigest(), 16) % len(replies)
        text = replies[pick]
        return Completion(
            text=text,
            tokens_in=len(convo.split()),
            tokens_out=len(text.split()),
            latency_s=0.0,
        )
