"""Property tests: random and mutated inputs either parse or fail with a one-line RolecallError."""

import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolecall.errors import RolecallError
from rolecall.instrument import parse_instrument
from rolecall.models import make_model
from rolecall.persona import load_persona
from rolecall.transcripts import load_transcript

REPO = Path(__file__).resolve().parents[2]
PERSONA = (REPO / "examples/personas/ml-engineer.md").read_text()
INSTRUMENT = (REPO / "src/rolecall/instrument/builtin/research-orientation.yaml").read_text()
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
noise = st.text(alphabet=string.printable + "—“”#:-[]{}`*", max_size=300)


def mutate(text: str, data) -> str:
    """Delete, duplicate or replace a random slice of the text."""
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, min(len(text), i + 200)))
    op = data.draw(st.sampled_from(["delete", "dup", "replace"]))
    if op == "delete":
        return text[:i] + text[j:]
    if op == "dup":
        return text[:j] + text[i:j] + text[j:]
    return text[:i] + data.draw(noise) + text[j:]


def outcome_is_clean(fn) -> None:
    try:
        fn()
    except RolecallError as exc:
        assert "\n" not in str(exc) and str(exc).strip()


@SETTINGS
@given(data=st.data())
def test_mutated_persona(tmp_path, data):
    path = tmp_path / "p.md"
    path.write_text(mutate(PERSONA, data))
    outcome_is_clean(lambda: load_persona(path))


@SETTINGS
@given(data=st.data())
def test_mutated_instrument(data):
    outcome_is_clean(lambda: parse_instrument(mutate(INSTRUMENT, data), "x.yaml"))


@SETTINGS
@given(text=noise, suffix=st.sampled_from([".jsonl", ".csv", ".md"]))
def test_random_transcripts(tmp_path, text, suffix):
    path = tmp_path / f"t{suffix}"
    path.write_text(text)
    outcome_is_clean(lambda: load_transcript(path))


@SETTINGS
@given(spec=st.text(max_size=60))
def test_random_model_specs(spec, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    if spec.strip() in {"local"} or (
        spec.startswith("local:") and spec.removeprefix("local:") in {"", "0.5b", "1.5b"}
    ):
        return  # real embedded models load seconds of weights; covered elsewhere
    outcome_is_clean(lambda: make_model(spec))
