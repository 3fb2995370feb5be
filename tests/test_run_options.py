"""Run options that change what is asked: item wordings by epoch, and how the role is framed."""

import json


def test_epochs_rotate_through_an_items_wordings(run_scripted, mini_instrument, tmp_path):
    text = mini_instrument.read_text().replace(
        "prompt: How would you scope a recommender prototype?",
        "prompt: How would you scope a recommender prototype?\n"
        '    variants: ["What scope would you give a first recommender prototype?"]',
    )
    varied = tmp_path / "varied.yaml"
    varied.write_text(text)
    out = run_scripted(epochs=3, instrument=str(varied))
    asked = {
        (t["epoch"], t["variant"]): t["text"]
        for t in map(json.loads, out.run.transcript.read_text().splitlines())
        if t["item"] == "q1" and t["kind"] == "prompt"
    }
    assert asked == {
        (0, 0): "How would you scope a recommender prototype?",
        (1, 1): "What scope would you give a first recommender prototype?",
        (2, 0): "How would you scope a recommender prototype?",
    }


def test_reminder_style_goes_under_questions_but_not_pressure(run_scripted, tmp_path):
    out = run_scripted(persona_style="reminder")
    manifest = json.loads((out.run.path / "manifest.json").read_text())
    assert manifest["persona"]["style"] == "reminder"
    users = [t for t in map(json.loads, out.run.transcript.read_text().splitlines()) if t["role"] == "user"]
    assert users and all(
        t["text"].endswith("in the first person: what would you do, and why?)") for t in users
    )


def test_unknown_persona_style_is_one_line(mini_persona, tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rolecall",
            "run",
            str(mini_persona),
            "--persona-style",
            "method",
            "--model",
            "scripted:x",
        ],
        capture_output=True,
        text=True,
    )
    assert (
        proc.returncode == 2
        and "role, first-person, reminder" in proc.stderr
        and "Traceback" not in proc.stderr
    )
