"""A persona: a role file's title, sections, optional hypothesis, and the system prompt it renders."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: how the role is put to the subject model (``rolecall run --persona-style``):
#: ``role`` describes the persona and asks the model to stay in it; ``first-person`` tells the
#: model it *is* the persona and to answer from its own habits rather than advise "you";
#: ``reminder`` is ``role`` plus a one-line reminder under every question
PersonaStyle = Literal["role", "first-person", "reminder"]
PERSONA_STYLES: tuple[str, ...] = ("role", "first-person", "reminder")


class Hypothesis(BaseModel):
    """What the persona's author expects: a range per dimension of one instrument."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instrument: str = Field(description="Instrument id the expectations refer to.")
    statement: str = Field(default="", description="The hypothesis in words.")
    expect: dict[str, str] = Field(
        default_factory=dict,
        description="Expected range per dimension id: '>=4', '<=2', '3..5' or a single number.",
    )


class Section(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    body: str
    line: int


class Persona(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    path: str
    sections: tuple[Section, ...]
    preamble: str = ""
    hypothesis: Hypothesis | None = None
    hypothesis_line: int | None = None
    expect_lines: dict[str, int] = {}
    content_hash: str

    def section(self, title: str) -> Section | None:
        want = title.strip().lower()
        return next((s for s in self.sections if s.title.lower() == want), None)

    def system_prompt(self, *, without: frozenset[str] = frozenset(), style: PersonaStyle = "role") -> str:
        """Render the role as a system prompt; ``without`` names sections to leave out (ablation)."""
        skip = {w.lower() for w in without}
        if style == "first-person":
            parts = [f"You are {self.name}. Everything below describes you."]
        else:
            parts = [f"You are acting as the following persona: {self.name}."]
        if self.preamble:
            parts.append(self.preamble)
        for s in self.sections:
            if s.title.lower() in skip:
                continue
            parts.append(f"## {s.title}\n{s.body}")
        if style == "first-person":
            parts.append(
                "You are being interviewed about how you work. Answer as yourself, in the first person "
                '("I would...", "In my experience..."), from your own habits and preferences. Do not '
                "give general advice and do not tell the interviewer what they should do."
            )
        else:
            parts.append(
                "Stay in this role. Answer every question as this persona would, in the first person."
            )
        return "\n\n".join(parts)

    def reminder(self, style: PersonaStyle) -> str | None:
        """The line put under every question for the ``reminder`` style."""
        if style != "reminder":
            return None
        return f"(Answer as {self.name}, in the first person: what would you do, and why?)"
