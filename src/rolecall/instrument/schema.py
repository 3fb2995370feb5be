"""The instrument file format: dimensions with anchored scales, phases, items, levels.

Every model forbids unknown fields so a typo in an instrument is an error, not a silent no-op.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]

MAX_ITEMS = 2000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(Strict):
    """A numeric scale; the poles name what its ends mean."""

    min: int = 1
    max: int = 5
    low_label: Text = Field(description="What the minimum of the scale means, e.g. 'production-first'.")
    high_label: Text = Field(description="What the maximum of the scale means, e.g. 'research-first'.")

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max <= self.min:
            raise ValueError("scale.max must be greater than scale.min")
        if self.max - self.min > 10:
            raise ValueError("a scale may have at most 11 points")
        return self

    @property
    def points(self) -> list[int]:
        return list(range(self.min, self.max + 1))

    @property
    def midpoint(self) -> float:
        return (self.min + self.max) / 2


class Dimension(Strict):
    """One behavioural dimension, scored on the instrument's scale."""

    id: Id
    name: Text
    description: Text
    anchors: dict[int, Text] = Field(
        description="Behaviour that earns a scale point; at least the min, the midpoint and the max."
    )
    high_exemplars: list[Text] = Field(
        default_factory=list,
        description="Sentences a high-pole answer would contain (used by the semantic scorer).",
    )
    low_exemplars: list[Text] = Field(
        default_factory=list,
        description="Sentences a low-pole answer would contain (used by the semantic scorer).",
    )


class Level(Strict):
    """A named proficiency level (e.g. Junior..Principal) with its description per dimension.

    A dimension's estimated level is the highest level whose ``min_score`` its mean reaches.
    """

    id: Id
    name: Text
    min_score: float = Field(description="The lowest dimension mean that places a subject at this level.")
    descriptions: dict[str, Text] = Field(default_factory=dict)


class Phase(Strict):
    id: Id
    name: Text
    description: str = ""


class Item(Strict):
    """One question put to the subject, scored on one or more dimensions."""

    id: Id
    phase: Id
    dimensions: list[Id] = Field(min_length=1)
    prompt: Text
    positive_indicators: list[Text] = Field(default_factory=list)
    negative_indicators: list[Text] = Field(default_factory=list)
    follow_ups: list[Text] = Field(default_factory=list, max_length=5)
    paraphrases: list[Text] = Field(
        default_factory=list,
        description="Other wordings a recorded transcript may use for this question (transcript matching).",
    )
    variants: list[Text] = Field(
        default_factory=list,
        max_length=5,
        description="Alternative wordings of the same scenario put to the subject: epoch k asks wording "
        "k mod (1 + len(variants)), the prompt first, so stability over wording is measured along with "
        "stability over sampling (turn records carry the variant index).",
    )
    pressure: list[Text] = Field(
        default_factory=list,
        max_length=3,
        description="Pressure put on the subject after it has answered (deadline, push-back, an order to "
        "drop the persona); what it says afterwards is scored separately, to see whether scores hold.",
    )

    def wording(self, epoch: int) -> tuple[int, str]:
        """(variant index, text) asked on this epoch: the prompt, then each variant in turn."""
        texts = [self.prompt, *self.variants]
        k = epoch % len(texts)
        return k, texts[k]

    @property
    def wordings(self) -> list[str]:
        """Every text this question may be asked or recorded with."""
        return [self.prompt, *self.variants, *self.paraphrases]


#: what a user turn of a session is: an item asked (a probe), small talk or another task between
#: probes, a change of topic, or pressure on the persona
SessionTurnKind = Literal["prompt", "chat", "topic_change", "pressure"]


class ScriptTurn(Strict):
    """One user turn the interlocutor says, from its script."""

    text: Text
    kind: Literal["chat", "topic_change", "pressure"] = Field(
        default="chat",
        description="chat: a distractor between probes; topic_change: the conversation moves to "
        "another subject; pressure: the persona is pushed (not followed by the persona reminder).",
    )
    turn: int | None = Field(
        default=None,
        ge=1,
        description="The session turn (1-based) it is said at; absent: the next turn no probe or "
        "placed script turn takes, in order.",
    )


class Interlocutor(Strict):
    """Who says the user turns that are not probes: a script, or a model playing a user."""

    script: list[Text | ScriptTurn] = Field(
        default_factory=list,
        description="User turns in order (a string, or {text, kind, turn}); with no model it must "
        "fill every turn that is not a probe.",
    )
    model: Annotated[str, StringConstraints(min_length=1, max_length=400)] | None = Field(
        default=None,
        description="A model spec that plays the user for the turns the script leaves, e.g. "
        "'openai:llama3.1@http://localhost:11434/v1'. It sees the conversation and its brief.",
    )
    brief: Text | None = Field(
        default=None,
        description="Who the simulated user is, e.g. 'a product manager who pushes for shipping fast'.",
    )

    @model_validator(mode="after")
    def _brief_with_model(self) -> Interlocutor:
        if self.model is not None and self.brief is None:
            raise ValueError("an interlocutor model needs a brief (who it plays)")
        if self.model is None and self.brief is not None:
            raise ValueError("a brief needs an interlocutor model to play it")
        return self

    def turns(self) -> list[ScriptTurn]:
        return [t if isinstance(t, ScriptTurn) else ScriptTurn(text=t) for t in self.script]


class Probe(Strict):
    """An instrument item asked at a chosen turn of the session."""

    turn: int = Field(ge=1, description="The session turn (1-based) it is asked at.")
    item: Id
    variant: int | None = Field(
        default=None,
        ge=0,
        description="Which wording: 0 the prompt, k the k-th variant; absent: epoch k asks wording "
        "k mod (1 + number of variants), as for items.",
    )


class PlannedTurn(Strict):
    """One user turn of a session as planned: what is said (None: the interlocutor model writes
    it), and the probe's item and wording on probe turns."""

    turn: int
    kind: SessionTurnKind
    text: str | None
    item: str | None = None
    variant: int = 0


class Session(Strict):
    """A long conversation: one growing context in which the instrument's items are probes."""

    turns: int = Field(ge=2, le=200, description="User turns in the session (each one answered).")
    interlocutor: Interlocutor
    probes: list[Probe] = Field(min_length=1)
    judge_every: Literal["probes", "all"] | list[Annotated[int, Field(ge=1)]] = Field(
        default="probes",
        description="Which turns' answers are judged: 'probes' (on their item's dimensions), "
        "'all' (the other turns on every dimension), or a list of turn numbers.",
    )

    @model_validator(mode="after")
    def _fits(self) -> Session:
        fixed: dict[int, str] = {}
        for p in self.probes:
            if p.turn > self.turns:
                raise ValueError(f"probe at turn {p.turn}: the session has {self.turns} turns")
            if p.turn in fixed:
                raise ValueError(f"two probes at turn {p.turn}")
            fixed[p.turn] = "probe"
        script = self.interlocutor.turns()
        for t in script:
            if t.turn is None:
                continue
            if t.turn > self.turns:
                raise ValueError(f"script turn at turn {t.turn}: the session has {self.turns} turns")
            if t.turn in fixed:
                raise ValueError(f"turn {t.turn} has both a {fixed[t.turn]} and a script turn")
            fixed[t.turn] = "script turn"
        free = self.turns - len(fixed)
        loose = sum(t.turn is None for t in script)
        if loose > free:
            raise ValueError(f"the script has {loose} unplaced turns but only {free} turns are free")
        if self.interlocutor.model is None and loose < free:
            raise ValueError(
                f"the script fills {loose} of the {free} turns that are not probes; give "
                "more script turns or an interlocutor model"
            )
        if isinstance(self.judge_every, list):
            bad = [t for t in self.judge_every if t > self.turns]
            if bad:
                raise ValueError(f"judge_every: turn {bad[0]} is beyond the session's {self.turns} turns")
        return self

    def plan(self, epoch: int, items: dict[str, Item]) -> list[PlannedTurn]:
        """Every user turn of the session on ``epoch``, in order."""
        out: dict[int, PlannedTurn] = {}
        for p in self.probes:
            item = items[p.item]
            k, text = (
                (p.variant, [item.prompt, *item.variants][p.variant])
                if p.variant is not None
                else (item.wording(epoch))
            )
            out[p.turn] = PlannedTurn(turn=p.turn, kind="prompt", text=text, item=p.item, variant=k)
        script = self.interlocutor.turns()
        for t in script:
            if t.turn is not None:
                out[t.turn] = PlannedTurn(turn=t.turn, kind=t.kind, text=t.text)
        loose = iter(t for t in script if t.turn is None)
        for n in range(1, self.turns + 1):
            if n not in out:
                nxt = next(loose, None)
                out[n] = PlannedTurn(turn=n, kind=nxt.kind if nxt else "chat", text=nxt.text if nxt else None)
        return [out[n] for n in range(1, self.turns + 1)]

    def judged_turns(self) -> set[int]:
        """The turns whose answers are judged (``judge_every``)."""
        if self.judge_every == "probes":
            return {p.turn for p in self.probes}
        if self.judge_every == "all":
            return set(range(1, self.turns + 1))
        return set(self.judge_every)


class Instrument(Strict):
    """A structured interview: what to ask, and how to score the answers."""

    id: Id
    name: Text
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "1"
    description: str = ""
    scale: Scale
    dimensions: list[Dimension] = Field(min_length=1)
    phases: list[Phase] = Field(min_length=1)
    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS)
    levels: list[Level] = Field(default_factory=list)
    star: Literal["off", "analyse", "probe"] = Field(
        default="off",
        description="STAR analysis of every answer ('analyse'), and with 'probe' one interviewer "
        "follow-up asking for the first STAR part an interviewed subject's answer lacks.",
    )
    rank_dimensions: bool = Field(
        default=False,
        description="Judge every answer on every dimension and rank the dimensions it evidences; "
        "dimension means still use only each item's own dimensions.",
    )
    dimensions_from: Id | None = Field(
        default=None, description="A built-in instrument whose scale and dimensions this one reuses."
    )
    session: Session | None = Field(
        default=None,
        description="Run the instrument as one long conversation (a session) instead of one "
        "conversation per item: the items are probes asked at chosen turns, between the "
        "interlocutor's turns, and every answer sees the whole history.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        dim_ids = [d.id for d in self.dimensions]
        phase_ids = [p.id for p in self.phases]
        item_ids = [i.id for i in self.items]
        for kind, ids in (("dimension", dim_ids), ("phase", phase_ids), ("item", item_ids)):
            dupes = sorted({x for x in ids if ids.count(x) > 1})
            if dupes:
                raise ValueError(f"duplicate {kind} id {dupes[0]!r}")
        points = set(self.scale.points)
        for dim in self.dimensions:
            bad = sorted(set(dim.anchors) - points)
            if bad:
                raise ValueError(f"dimension {dim.id!r}: anchor {bad[0]} is outside the scale")
            needed = {self.scale.min, self.scale.max, round(self.scale.midpoint)}
            missing = sorted(needed - set(dim.anchors))
            if missing:
                raise ValueError(f"dimension {dim.id!r}: needs an anchor for scale point {missing[0]}")
        for item in self.items:
            if item.phase not in phase_ids:
                raise ValueError(f"item {item.id!r}: unknown phase {item.phase!r}")
            for d in item.dimensions:
                if d not in dim_ids:
                    raise ValueError(f"item {item.id!r}: unknown dimension {d!r}")
        level_ids = [lv.id for lv in self.levels]
        if len(set(level_ids)) != len(level_ids):
            raise ValueError("duplicate level id")
        floors = [lv.min_score for lv in self.levels]
        if floors and (floors != sorted(floors) or len(set(floors)) != len(floors)):
            raise ValueError("levels must be listed from lowest to highest min_score, each distinct")
        if floors and floors[0] > self.scale.min:
            raise ValueError(f"the first level's min_score must be at most scale.min ({self.scale.min})")
        for lv in self.levels:
            unknown = sorted(set(lv.descriptions) - set(dim_ids))
            if unknown:
                raise ValueError(f"level {lv.id!r}: description for unknown dimension {unknown[0]!r}")
        if self.session is not None:
            for n, probe in enumerate(self.session.probes):
                problem = probe_problem(probe, self)
                if problem:
                    raise ValueError(f"session.probes.{n}: {problem}")
        return self

    def level_for(self, score: float | None) -> Level | None:
        """The highest level whose floor ``score`` reaches (None without levels or a score)."""
        if score is None or not self.levels:
            return None
        reached = [lv for lv in self.levels if score >= lv.min_score]
        return reached[-1] if reached else self.levels[0]

    def dimension(self, dim_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise KeyError(dim_id)

    def item(self, item_id: str) -> Item:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    def dimensions_for(self, item: str | Item) -> list[str]:
        """The ids of the dimensions an answer to ``item`` is scored on, in the item's order.

        An item id this instrument does not have (an unmatched transcript question) counts
        towards every dimension.
        """
        if isinstance(item, Item):
            return list(item.dimensions)
        try:
            return list(self.item(item).dimensions)
        except KeyError:
            return [d.id for d in self.dimensions]


def probe_problem(probe: Probe, instrument: Instrument) -> str | None:
    """What is wrong with a probe in this instrument (an unknown item, a missing variant), if anything."""
    try:
        item = instrument.item(probe.item)
    except KeyError:
        return f"unknown item {probe.item!r}"
    if probe.variant is not None and probe.variant > len(item.variants):
        return f"item {probe.item!r} has no variant {probe.variant} (it has {len(item.variants)})"
    return None


def instrument_json_schema() -> str:
    return json.dumps(Instrument.model_json_schema(), indent=2)
