"""Variant personas for an ablation: the full persona, and one persona per section (or sentence)
with that part left out (``leave-out``) or kept alone beside the title (``only``).

A Markdown persona is cut by lines, so every variant keeps the author's formatting and the front
matter (its hypothesis: not a section, never shown to the subject) verbatim; a YAML persona is
rewritten with its ``sections`` mapping changed. Each variant text is checked by parsing it back
(``check_variant``) before a run uses it. Sentences are those of ``rolecall.text.sentences``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from rolecall.errors import RolecallError
from rolecall.persona import Persona, load_persona
from rolecall.persona.parse import split_front_matter
from rolecall.rundir.layout import slug
from rolecall.text import sentences
from rolecall.yamlio import load_yaml_text, read_text

Mode = Literal["leave-out", "only"]
MODES: tuple[str, ...] = ("leave-out", "only")
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Variant:
    """One persona of the study: ``key`` names its folder in the ablation directory."""

    key: str
    section: str | None  # None: the full persona
    label: str  # "removing Personality", "keeping only Personality", "the full persona"
    text: str  # the persona file's content
    suffix: str  # ".md" or ".yaml"
    expected: tuple[tuple[str, str], ...]  # (title, body) of every section the variant must have
    sentence: int | None = None  # 1-based, with --sentences
    sentence_text: str | None = None

    @property
    def is_full(self) -> bool:
        return self.section is None

    @property
    def file_name(self) -> str:
        return "persona" + self.suffix


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(body: str) -> list[Sentence]:
    """The sentences and list lines of a section body, with their character spans in it.

    Every part ``rolecall.text.sentences`` finds counts, however short (``min_words=1``): a
    one-word list line is as much a part of the role as a long sentence.
    """
    out: list[Sentence] = []
    cursor = 0
    for part in sentences(body, min_words=1):
        start = body.find(part, cursor)
        if start < 0:  # cannot happen: every part is a stripped piece of the body, in order
            raise ValueError(f"sentence not found in its section: {part!r}")
        cursor = start + len(part)
        out.append(Sentence(start, cursor, part))
    return out


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def without_sentence(body: str, s: Sentence) -> str:
    """``body`` with one sentence cut out; a line left with no word on it (a bare ``- **``) goes too."""
    end = s.end
    while end < len(body) and body[end] in " \t":
        end += 1
    text = body[: s.start] + body[end:]
    lo, hi = _line_bounds(text, s.start)
    line = text[lo:hi]
    kept = line.rstrip() if _WORD.search(line) else None  # None: the line goes, with its newline
    text = text[:lo] + kept + text[hi:] if kept is not None else text[:lo] + text[hi + 1 :]
    return text.strip()


def sentence_alone(body: str, s: Sentence) -> str:
    """The sentence as a body of its own: its whole line when it is alone on it (list marker and
    emphasis kept), else the sentence."""
    lo, hi = _line_bounds(body, s.start)
    rest = body[lo : s.start] + body[s.end : hi]
    return body[lo:hi].strip() if not _WORD.search(rest) else s.text


def display(text: str) -> str:
    """A sentence for reports: Markdown emphasis markers removed."""
    return " ".join(re.sub(r"\*\*|__", "", text).split())


# ---------------------------------------------------------------- building variant texts


class _Source:
    """The persona file as text, and how to write a variant of it."""

    def __init__(self, persona: Persona):
        self.persona = persona
        self.path = Path(persona.path)
        self.text = read_text(self.path, what="persona")
        self.yaml = self.path.suffix.lower() in {".yaml", ".yml"}
        self.suffix = ".yaml" if self.yaml else ".md"

    def render(self, keep: list[tuple[str, str | None]], *, only: bool) -> str:
        """The persona with exactly the sections ``keep`` (title, new body or the original body).

        ``only``: the preamble (text between the title and the first section) is dropped too.
        """
        if self.yaml:
            return self._yaml(keep)
        return self._markdown(keep, only=only)

    def _yaml(self, keep: list[tuple[str, str | None]]) -> str:
        data, _ = load_yaml_text(self.text, path=self.path)
        assert isinstance(data, dict)
        original = {str(k): v for k, v in data["sections"].items()}
        bodies = {t.lower(): b for t, b in keep}
        data["sections"] = {
            k: (bodies[k.lower()] if bodies[k.lower()] is not None else v)
            for k, v in original.items()
            if k.lower() in bodies
        }
        return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))

    def _markdown(self, keep: list[tuple[str, str | None]], *, only: bool) -> str:
        lines = self.text.splitlines(keepends=True)
        sections = self.persona.sections
        first = sections[0].line - 1
        if only:
            _, _, body, offset = split_front_matter(self.text, self.path)
            title = offset + next(i for i, line in enumerate(body.splitlines()) if line.strip())
            head = lines[: title + 1]
        else:
            head = lines[:first]
        out = [*head]
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        if only and (not out or out[-1].strip()):
            out.append("\n")
        bodies = {t.lower(): b for t, b in keep}
        for k, s in enumerate(sections):
            if s.title.lower() not in bodies:
                continue
            end = sections[k + 1].line - 1 if k + 1 < len(sections) else len(lines)
            new_body = bodies[s.title.lower()]
            chunk = lines[s.line - 1 : end] if new_body is None else [lines[s.line - 1], new_body + "\n\n"]
            if chunk and not chunk[-1].endswith("\n"):
                chunk[-1] += "\n"
            out += chunk
        return "".join(out).rstrip("\n") + "\n"


def _verb(mode: Mode) -> str:
    return "removing" if mode == "leave-out" else "keeping only"


def _unique_keys(names: list[str], prefix: str) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for name in names:
        base = f"{prefix}-{slug(name, 48)}"
        seen[base] = seen.get(base, 0) + 1
        keys.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return keys


def pick_sections(persona: Persona, wanted: list[str] | None) -> list[str]:
    """Section titles named by ``--sections`` (case-insensitive), or all of them, in file order."""
    titles = [s.title for s in persona.sections]
    if not wanted:
        return titles
    chosen: list[str] = []
    for name in wanted:
        s = persona.section(name)
        if s is None:
            raise RolecallError(
                f"unknown section {name!r}; the persona's sections are: {', '.join(titles)}",
                path=persona.path,
            )
        if s.title not in chosen:
            chosen.append(s.title)
    return [t for t in titles if t in chosen]


def build_variants(
    persona_path: Path,
    *,
    mode: str = "leave-out",
    sections: list[str] | None = None,
    sentences_of: str | None = None,
) -> tuple[Persona, list[Variant]]:
    """The full persona (first) and one variant per section, or per sentence of ``sentences_of``.

    Bad input is a ``RolecallError`` (one line, exit 2): an unknown mode or section name, a
    persona with no sections (the parser's own error), a leave-out study of a one-section persona,
    or a ``--sentences`` section with a single sentence.
    """
    if mode not in MODES:
        raise RolecallError(f"--mode {mode!r}: choose one of {', '.join(MODES)}")
    if sections and sentences_of:
        raise RolecallError("give --sections or --sentences SECTION, not both")
    persona = load_persona(persona_path)
    src = _Source(persona)
    originals = [(s.title, s.body) for s in persona.sections]
    full = Variant(
        key="full",
        section=None,
        label="the full persona",
        text=src.text,
        suffix=src.suffix,
        expected=tuple(originals),
    )
    only = mode == "only"
    verb = _verb("only" if only else "leave-out")
    variants = [full]
    if sentences_of is not None:
        title = pick_sections(persona, [sentences_of])[0]
        section = persona.section(title)
        assert section is not None
        parts = split_sentences(section.body)
        if len(parts) < 2:
            raise RolecallError(
                f"section {title!r} has a single sentence: nothing to ablate within it "
                f"(ablate whole sections with --sections {title!r})",
                path=persona.path,
                line=section.line,
            )
        prefix = "without" if not only else "only"
        base = _unique_keys([title], prefix)[0]
        for k, part in enumerate(parts, start=1):
            body = sentence_alone(section.body, part) if only else without_sentence(section.body, part)
            keep = [(title, body)] if only else [(t, body if t == title else b) for t, b in originals]
            src_keep: list[tuple[str, str | None]] = [(t, body if t == title else None) for t, _ in keep]
            variants.append(
                Variant(
                    key=f"{base}-sentence-{k}",
                    section=title,
                    label=f"{verb} sentence {k} of {title}",
                    text=src.render(src_keep, only=only),
                    suffix=src.suffix,
                    expected=tuple(keep),
                    sentence=k,
                    sentence_text=display(part.text),
                )
            )
        return persona, variants
    chosen = pick_sections(persona, sections)
    if not only and len(originals) == 1:
        raise RolecallError(
            f"the persona has one section ({originals[0][0]!r}): leaving it out leaves no role; "
            f"use --mode only, or --sentences {originals[0][0]!r}",
            path=persona.path,
        )
    keys = _unique_keys(chosen, "without" if not only else "only")
    for key, title in zip(keys, chosen, strict=True):
        keep = [(t, b) for t, b in originals if (t == title) == only]
        variants.append(
            Variant(
                key=key,
                section=title,
                label=f"{verb} {title}",
                text=src.render([(t, None) for t, _ in keep], only=only),
                suffix=src.suffix,
                expected=tuple(keep),
            )
        )
    return persona, variants


def check_variant(path: Path, variant: Variant, persona: Persona) -> Persona:
    """Parse a written variant back: same name and hypothesis, exactly the expected sections.

    A mismatch is a bug in the cutting above, not bad input; it stops the study before any run
    measures the wrong persona.
    """
    got = load_persona(path)
    sections = tuple((s.title, s.body) for s in got.sections)
    if got.name != persona.name or got.hypothesis != persona.hypothesis or sections != variant.expected:
        raise RolecallError(
            f"the {variant.key} variant does not parse back as intended (please report this)", path=path
        )
    return got
