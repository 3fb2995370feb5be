"""Parse persona role files: Markdown (H1 title, H2 sections, optional YAML front matter) or YAML."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rolecall.errors import RolecallError
from rolecall.hashing import sha256_text
from rolecall.persona.model import Hypothesis, Persona, Section
from rolecall.yamlio import load_yaml_text, read_text, validate_model

_FRONT_KEYS = {"hypothesis", "name"}
_FENCE = re.compile(r"^(```|~~~)")


def load_persona(path: str | Path) -> Persona:
    p = Path(path)
    text = read_text(p, what="persona")
    if p.suffix.lower() in {".yaml", ".yml"}:
        return _from_yaml(text, p)
    return _from_markdown(text, p)


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], dict, str, int]:
    """Return (front matter data, its line map, body, 0-based line where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, {}, text, 0
    for i in range(1, len(lines)):
        if lines[i].strip() in {"---", "..."}:
            data, line_map = load_yaml_text("".join(lines[1:i]), path=path, line_offset=1)
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise RolecallError("front matter must be a YAML mapping", path=path, line=2)
            return data, line_map, "".join(lines[i + 1 :]), i + 1
    raise RolecallError("front matter opened with '---' is never closed", path=path, line=1)


def _expect_lines(line_map: dict) -> dict[str, int]:
    return {str(k[2]): v for k, v in line_map.items() if len(k) == 3 and k[:2] == ("hypothesis", "expect")}


def _hypothesis(data: dict[str, Any], line_map: dict, path: Path) -> tuple[Hypothesis | None, int | None]:
    unknown = sorted(set(data) - _FRONT_KEYS - {"title", "sections"})
    if unknown:
        raise RolecallError(
            f"unknown front-matter key {unknown[0]!r} (allowed: hypothesis, name)",
            path=path,
            line=line_map.get((unknown[0],)),
        )
    raw = data.get("hypothesis")
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        raise RolecallError(
            "hypothesis must be a mapping with 'instrument' and 'expect'",
            path=path,
            line=line_map.get(("hypothesis",)),
        )
    sub = {k[1:]: v for k, v in line_map.items() if k[:1] == ("hypothesis",)}
    raw = {
        k: ({d: str(r) for d, r in v.items()} if k == "expect" and isinstance(v, dict) else v)
        for k, v in raw.items()
    }
    return validate_model(Hypothesis, raw, path=path, lines=sub), line_map.get(("hypothesis",))


def _from_markdown(text: str, path: Path) -> Persona:
    front, line_map, body, offset = split_front_matter(text, path)
    hypothesis, hyp_line = _hypothesis(front, line_map, path)
    title: str | None = None
    preamble: list[str] = []
    sections: list[Section] = []
    current: tuple[str, int] | None = None
    buf: list[str] = []
    in_fence = False

    def flush() -> None:
        if current is not None:
            sections.append(Section(title=current[0], body="".join(buf).strip(), line=current[1]))

    for n, line in enumerate(body.splitlines(keepends=True), start=offset + 1):
        stripped = line.strip()
        if _FENCE.match(stripped):
            in_fence = not in_fence
        if not in_fence and re.match(r"^#\s+\S", line):
            if title is not None:
                raise RolecallError("a persona has one H1 title; found a second", path=path, line=n)
            title = stripped.lstrip("#").strip()
            continue
        if not in_fence and re.match(r"^##\s+\S", line):
            flush()
            current = (stripped.lstrip("#").strip(), n)
            buf = []
            continue
        if current is None:
            if stripped:
                if title is None:
                    raise RolecallError("expected a '# Title' line before any text", path=path, line=n)
                preamble.append(line)
        else:
            buf.append(line)
    flush()
    if title is None:
        raise RolecallError("no '# Title' line: a persona needs an H1 title", path=path, line=offset + 1)
    if not sections:
        raise RolecallError("no '## Section' headings: a persona needs at least one", path=path)
    seen: dict[str, int] = {}
    for s in sections:
        key = s.title.lower()
        if key in seen:
            raise RolecallError(f"section {s.title!r} appears twice", path=path, line=s.line)
        seen[key] = s.line
        if not s.body:
            raise RolecallError(f"section {s.title!r} is empty", path=path, line=s.line)
    name = str(front.get("name") or title)
    return Persona(
        name=name,
        path=str(path),
        sections=tuple(sections),
        preamble="".join(preamble).strip(),
        hypothesis=hypothesis,
        hypothesis_line=hyp_line,
        expect_lines=_expect_lines(line_map),
        content_hash=sha256_text(text),
    )


def _from_yaml(text: str, path: Path) -> Persona:
    data, line_map = load_yaml_text(text, path=path)
    if not isinstance(data, dict):
        raise RolecallError("a YAML persona must be a mapping with 'title' and 'sections'", path=path, line=1)
    title = data.get("title") or data.get("name")
    if not isinstance(title, str) or not title.strip():
        raise RolecallError("missing 'title': the persona's name", path=path, line=1)
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, dict) or not raw_sections:
        raise RolecallError(
            "'sections' must map section titles to text",
            path=path,
            line=line_map.get(("sections",), 1),
        )
    sections = []
    for key, value in raw_sections.items():
        line = line_map.get(("sections", str(key)), 1)
        if isinstance(value, list):
            value = "\n".join(f"- {v}" for v in value)
        if not isinstance(value, str) or not value.strip():
            raise RolecallError(f"section {key!r} must be non-empty text or a list", path=path, line=line)
        sections.append(Section(title=str(key), body=value.strip(), line=line))
    hypothesis, hyp_line = _hypothesis(
        {k: v for k, v in data.items() if k not in {"title", "sections"}}, line_map, path
    )
    return Persona(
        name=str(title).strip(),
        path=str(path),
        sections=tuple(sections),
        hypothesis=hypothesis,
        hypothesis_line=hyp_line,
        expect_lines=_expect_lines(line_map),
        content_hash=sha256_text(text),
    )
