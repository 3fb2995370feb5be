"""The `replay` provider: a recorded transcript stands in for a subject model.

Each question asked is matched to the recorded question most similar to it (TF-IDF cosine);
its recorded answer is returned. A question with no similar recorded question is a failed call
("no recorded answer"), recorded as such, never an invented answer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rolecall.errors import ModelCallError
from rolecall.models.base import Completion, GenParams, Message, ModelAPI
from rolecall.transcripts import TfidfIndex, load_transcript
from rolecall.transcripts.match import THRESHOLD


class ReplayModel(ModelAPI):
    answers_follow_ups = False

    def __init__(self, spec: str, path: Path):
        self.transcript = load_transcript(path)
        self.spec = spec
        self.identity = f"transcript:sha256:{self.transcript.sha256}"
        self._index = TfidfIndex([a.question for a in self.transcript.answers])

    async def generate(self, messages: list[Message], params: GenParams) -> Completion:
        asked = next((m.content for m in reversed(messages) if m.role == "user"), "")
        scores = self._index.scores(asked)
        best = int(np.argmax(scores)) if scores.size else -1
        if best < 0 or scores[best] < THRESHOLD:
            raise ModelCallError("no recorded answer matches this question")
        answer = self.transcript.answers[best].answer
        return Completion(text=answer, tokens_in=0, tokens_out=len(answer.split()), latency_s=0.0)
