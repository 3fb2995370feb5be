"""The `scripted` provider: a deterministic test double driven by a YAML/JSON rules file.

File format::

    rules:
      - when: "edge cases"        # regex, searched in the conversation (all messages joined)
        reply: "Crashes are data."  # a string, or a list picked by a hash of the conversation
      - when: "scope"
        match: last               # optional: search only the last message (the one answered)
        min_turn: 9               # optional: only from the 9th user message on (long sessions)
        max_turn: 20              # optional: only up to the 20th
        reply: "Plan the whole system first."
    default: "I would build a quick prototype."
    fail_when: "FAIL_ME"          # optional: conversations matching raise a failed call
    context_window: 400           # optional: tokens (counted as words) the model can take

``min_turn`` / ``max_turn`` count the user messages in the conversation, the one being answered
included, so a subject can change its answers as a session grows; ``match: last`` keeps a rule
from matching what an earlier turn said.

For unit tests only; never for a demo or a benchmark figure.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rolecall.errors import ModelCallError, RolecallError
from rolecall.hashing import sha256_text
from rolecall.models.base import Completion, GenParams, Message, ModelAPI
from rolecall.yamlio import load_yaml_text, read_text


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    replies: list[str]
    last_only: bool = False
    min_turn: int | None = None
    max_turn: int | None = None

    def matches(self, convo: str, last: str, user_turns: int) -> bool:
        if self.min_turn is not None and user_turns < self.min_turn:
            return False
        if self.max_turn is not None and user_turns > self.max_turn:
            return False
        return bool(self.pattern.search(last if self.last_only else convo))


class ScriptedModel(ModelAPI):
    def __init__(self, spec: str, path: Path):
        text = read_text(path, what="scripted model")
        data, lines = load_yaml_text(text, path=path)
        if not isinstance(data, dict):
            raise RolecallError("a scripted model file must be a mapping with 'rules'", path=path, line=1)
        self.spec = spec
        self.identity = f"scripted#{sha256_text(text)[:16]}"
        self.rules: list[_Rule] = []
        for i, rule in enumerate(data.get("rules") or []):
            line = lines.get(("rules", i))
            if not isinstance(rule, dict) or "when" not in rule or "reply" not in rule:
                raise RolecallError("each rule needs 'when' and 'reply'", path=path, line=line)
            try:
                pattern = re.compile(str(rule["when"]), re.IGNORECASE | re.DOTALL)
            except re.error as exc:
                raise RolecallError(f"bad regex in 'when': {exc}", path=path, line=line) from None
            replies = rule["reply"] if isinstance(rule["reply"], list) else [rule["reply"]]
            bounds = [rule.get("min_turn"), rule.get("max_turn")]
            if any(b is not None and type(b) is not int for b in bounds) or rule.get("match", "all") not in (
                "all",
                "last",
            ):
                raise RolecallError(
                    "min_turn / max_turn must be integers and match 'all' or 'last'", path=path, line=line
                )
            self.rules.append(
                _Rule(pattern, [str(r) for r in replies], rule.get("match") == "last", bounds[0], bounds[1])
            )
        self.default = str(data.get("default", "I have no scripted answer for that."))
        fail = data.get("fail_when")
        self.fail_when = re.compile(str(fail), re.IGNORECASE) if fail else None
        window = data.get("context_window")
        if window is not None and (type(window) is not int or window < 1):
            raise RolecallError("context_window must be a positive integer", path=path)
        self.context_window = window
        self.calls = 0

    async def count_tokens(self, messages: list[Message]) -> int | None:
        """Words, as ``tokens_in`` counts them."""
        return len("\n".join(m.content for m in messages).split())

    async def generate(self, messages: list[Message], params: GenParams) -> Completion:
        self.calls += 1
        convo = "\n".join(m.content for m in messages)
        if self.fail_when and self.fail_when.search(convo):
            raise ModelCallError("scripted failure (fail_when matched)")
        replies = [self.default]
        user_turns = sum(m.role == "user" for m in messages)
        for rule in self.rules:
            if rule.matches(convo, messages[-1].content if messages else "", user_turns):
                replies = rule.replies
                break
        pick = int(hashlib.sha256(f"{convo}|{params.seed}".encode()).hexdigest(), 16) % len(replies)
        text = replies[pick]
        return Completion(
            text=text,
            tokens_in=len(convo.split()),
            tokens_out=len(text.split()),
            latency_s=0.0,
        )
