"""Progress reporting seam: the pipeline reports stages; the CLI draws them (rich), tests ignore them."""

from __future__ import annotations

from typing import Protocol


class Bar(Protocol):
    def advance(self, tokens: int = 0) -> None: ...
    def recount(self, total: int) -> None:
        """The stage's work is now known to be ``total`` (e.g. conversations that failed bring
        no verdicts)."""

    def close(self) -> None: ...


class Progress(Protocol):
    def stage(self, description: str, total: int) -> Bar: ...
    def note(self, message: str) -> None: ...


class _NullBar:
    def advance(self, tokens: int = 0) -> None:
        pass

    def recount(self, total: int) -> None:
        pass

    def close(self) -> None:
        pass


class NullProgress:
    def stage(self, description: str, total: int) -> Bar:
        return _NullBar()

    def note(self, message: str) -> None:
        pass
