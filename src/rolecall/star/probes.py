"""The interviewer's STAR follow-up: one targeted question for the first thing an answer lacks.

A human interviewer who hears a story with no outcome asks for the outcome; one who hears only
"we" asks what the candidate did personally. The order below is the order of what matters most
to a hiring panel: the result, then the person's own actions, then the setting.
"""

from __future__ import annotations

from rolecall.instrument import Item
from rolecall.star.analysis import StarAnalysis, analyse

PROBES: dict[str, str] = {
    "result": (
        "What was the outcome in the end? How did you measure whether it worked, and what would you "
        "do differently next time?"
    ),
    "action": "What did you personally do at each step, and why did you choose that approach?",
    "ownership": (
        'You mostly said "we". Which parts of that were yours, and what did you decide or do yourself?'
    ),
    "situation": "Can you set the scene: where was this, when, and who was involved?",
    "task": "What exactly were you responsible for, and what was at stake if it went wrong?",
    "quantified": "Can you put a number on the result: what changed, by how much, and over what period?",
}

#: below this share of singular first-person pronouns (with enough pronouns to judge) we ask
LOW_OWNERSHIP = 0.34
MIN_PRONOUNS = 4


def missing_element(analysis: StarAnalysis) -> str | None:
    """The first element an interviewer would ask about, or None when the answer is complete."""
    for part in ("result", "action"):
        if not analysis.present(part):
            return part
    pronouns = analysis.i_count + analysis.we_count
    if pronouns >= MIN_PRONOUNS and (analysis.ownership or 0.0) < LOW_OWNERSHIP:
        return "ownership"
    for part in ("situation", "task"):
        if not analysis.present(part):
            return part
    if not analysis.quantified:
        return "quantified"
    return None


def star_probe(item: Item, answers_so_far: str) -> str | None:
    """Follow-up policy for the interview runner: a probe for what the answers so far lack."""
    element = missing_element(analyse(answers_so_far))
    return PROBES[element] if element else None
