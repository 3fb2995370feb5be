"""Model spec strings → providers. Providers are lazy: their SDKs load on first use.

Grammar::

    local                 the embedded default (Qwen2.5-Coder-0.5B-Instruct, Q4)
    local:1.5b            another embedded model, by key
    local:PATH.gguf       any GGUF file
    openai:MODEL[@URL]    any OpenAI-compatible server (key from OPENAI_API_KEY; none on loopback)
    anthropic:MODEL       Anthropic Messages API (key from ANTHROPIC_API_KEY)
    scripted:FILE         deterministic rules file, for tests
    replay:FILE           a recorded transcript standing in for a subject

Third parties register more under the ``rolecall`` entry-point group as ``provider.NAME``,
pointing at a callable ``(spec, rest) -> ModelAPI``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from rolecall.errors import RolecallError
from rolecall.models.base import ModelAPI

Factory = Callable[[str, str], ModelAPI]

SPEC_HELP = (
    "use local, local:1.5b, local:PATH.gguf, openai:MODEL[@URL], anthropic:MODEL, "
    "scripted:FILE or replay:FILE"
)


def _local(spec: str, rest: str) -> ModelAPI:
    from rolecall.models.embedded import DEFAULT_KEY, EMBEDDED, ensure_embedded
    from rolecall.models.local import LocalModel

    key = rest or DEFAULT_KEY
    if key in EMBEDDED:
        path = ensure_embedded(key)
        return LocalModel(spec, path, identity=f"gguf:sha256:{EMBEDDED[key].sha256}")
    if not key.endswith(".gguf"):
        raise RolecallError(
            f"model spec {spec!r}: expected an embedded model ({', '.join(EMBEDDED)}) "
            "or a path ending in .gguf"
        )
    path = Path(key).expanduser()
    if not path.exists():
        raise RolecallError(f"GGUF file not found (from model spec {spec!r})", path=path)
    st = path.stat()
    return LocalModel(spec, path, identity=f"gguf:{path.name}:{st.st_size}")


def _openai(spec: str, rest: str) -> ModelAPI:
    from rolecall.models.openai_compat import OpenAIModel

    model, _, url = rest.partition("@")
    if not model:
        raise RolecallError(f"model spec {spec!r}: name the model, as openai:MODEL[@BASE_URL]")
    if url and not url.startswith(("http://", "https://")):
        raise RolecallError(f"model spec {spec!r}: the base URL must start with http:// or https://")
    if url:
        import httpx

        try:
            host = httpx.URL(url).host
        except (httpx.InvalidURL, ValueError, TypeError):
            host = ""
        if not host or " " in url:
            raise RolecallError(f"model spec {spec!r}: {url!r} is not a valid base URL")
    m = OpenAIModel(spec, model, url or None)
    if m.missing_key():
        raise RolecallError(f"model {spec!r} needs OPENAI_API_KEY set in the environment")
    return m


def _anthropic(spec: str, rest: str) -> ModelAPI:
    from rolecall.models.anthropic_api import AnthropicModel

    if not rest:
        raise RolecallError(f"model spec {spec!r}: name the model, as anthropic:MODEL")
    return AnthropicModel(spec, rest)


def _scripted(spec: str, rest: str) -> ModelAPI:
    from rolecall.models.scripted import ScriptedModel

    if not rest:
        raise RolecallError(f"model spec {spec!r}: give the rules file, as scripted:FILE")
    return ScriptedModel(spec, Path(rest))


def _replay(spec: str, rest: str) -> ModelAPI:
    from rolecall.models.replay import ReplayModel

    if not rest:
        raise RolecallError(f"model spec {spec!r}: give the transcript, as replay:FILE")
    return ReplayModel(spec, Path(rest))


BUILTIN: dict[str, Factory] = {
    "local": _local,
    "openai": _openai,
    "anthropic": _anthropic,
    "scripted": _scripted,
    "replay": _replay,
}


def _plugin(name: str) -> Factory | None:
    for ep in metadata.entry_points(group="rolecall"):
        if ep.name == f"provider.{name}":
            return ep.load()  # type: ignore[no-any-return]
    return None


def parse_spec(spec: str) -> tuple[str, str]:
    spec = spec.strip()
    if not spec:
        raise RolecallError(f"empty model spec: {SPEC_HELP}")
    provider, _, rest = spec.partition(":")
    return provider, rest


def make_model(spec: str) -> ModelAPI:
    """Build the provider for ``spec``; a bad spec is a one-line RolecallError."""
    provider, rest = parse_spec(spec)
    factory = BUILTIN.get(provider) or _plugin(provider)
    if factory is None:
        raise RolecallError(f"unknown model provider {provider!r} in {spec!r}: {SPEC_HELP}")
    return factory(spec.strip(), rest)
