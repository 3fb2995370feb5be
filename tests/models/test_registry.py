import asyncio

import pytest

from rolecall.errors import RolecallError
from rolecall.models import GenParams, Message, make_model


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("", "empty model spec"),
        ("gpt4", "unknown model provider 'gpt4'"),
        ("openai:", "name the model"),
        ("openai:m@ftp://x", "must start with http"),
        ("openai:m@http://", "not a valid base URL"),
        ("openai:m@https://exa mple.com/v1", "not a valid base URL"),
        ("openai:gpt-4o", "OPENAI_API_KEY"),
        ("local:missing.gguf", "not found"),
        ("local:model.bin", "path ending in .gguf"),
        ("scripted:", "give the rules file"),
        ("scripted:/no/such.yaml", "not found"),
    ],
)
def test_bad_specs_are_one_line_errors(spec, fragment, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(RolecallError) as info:
        make_model(spec)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_openai_loopback_needs_no_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    m = make_model("openai:qwen@http://127.0.0.1:9/v1")
    assert m.identity == "http://127.0.0.1:9/v1#qwen"


def test_scripted_is_deterministic(scripted_subject):
    m = make_model(f"scripted:{scripted_subject}")
    msgs = [Message(role="user", content="scope a recommender")]
    a = asyncio.run(m.generate(msgs, GenParams(seed=1)))
    b = asyncio.run(m.generate(msgs, GenParams(seed=1)))
    assert a.text == b.text
    assert "baseline" in a.text
