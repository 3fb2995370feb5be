"""User-facing errors: one line, naming the file and line or the setting to fix; exit code 2."""

from __future__ import annotations

import re
from pathlib import Path

#: how providers say that a prompt does not fit the model's context (llama.cpp, OpenAI-compatible
#: servers, Anthropic)
_CONTEXT_FULL = re.compile(
    r"context (?:window|length)|maximum context|context_length_exceeded|too many tokens|"
    r"prompt is too long|exceeds? the (?:model's )?context",
    re.IGNORECASE,
)


class RolecallError(Exception):
    """An error caused by input or configuration that the user can fix.

    The CLI prints ``str(err)`` on one line and exits with code 2, never a traceback.
    """

    exit_code = 2

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.message = " ".join(message.split())
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        return where + self.message


class ModelCallError(Exception):
    """A model call failed after its retries (kept in the transcript as a failed call).

    ``context_exhausted``: the prompt did not fit the model's context (set by the provider, or
    recognised in the message of an error that is not retried); a session stops there.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        context_exhausted: bool | None = None,
    ):
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.context_exhausted = (
            (not retryable and bool(_CONTEXT_FULL.search(reason)))
            if context_exhausted is None
            else context_exhausted
        )
        super().__init__(reason)
