"""User-facing errors: one line, naming the file and line or the setting to fix; exit code 2."""

from __future__ import annotations

from pathlib import Path


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
    """A model call failed after its retries (kept in the transcript as a failed call)."""

    def __init__(self, reason: str, *, retryable: bool = False, retry_after: float | None = None):
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(reason)
