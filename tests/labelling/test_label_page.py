"""`rolecall label`: the rating page in headless Chromium, driven by the keyboard only."""

import json
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.report.chromium import needs_chromium

pytest.importorskip("uvicorn")
pytest.importorskip("websockets")

XSS = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned2"</script>'


@pytest.fixture
def xss_subject(write):
    return write(
        "xss_subject.yaml",
        f"""
        rules:
          - when: "change your mind"
            reply: "Data from a failed experiment would change my mind."
          - when: "recommender"
            reply: {json.dumps("I would start with a quick prototype and a simple baseline. " + XSS)}
          - when: "crashes"
            reply: "Crashes on edge cases are data, not failure; the core hypothesis held."
        default: "I would test the hypothesis first."
        """,
    )


@pytest.fixture
def served(run_scripted, xss_subject):
    """A 3-epoch scripted run (12 answer × dimension pairs) and its rating page on 127.0.0.1."""
    import uvicorn

    from rolecall.instrument import load_instrument
    from rolecall.labelling import label_tasks
    from rolecall.labelling.server import LabelSession, make_app
    from rolecall.rundir import RunDir
    from tests.labelling.cdp import free_port

    out = run_scripted(subject=xss_subject, epochs=3)
    run = RunDir(out.run.path)
    instrument, _ = load_instrument(run.read_manifest().instrument.ref)

    def start():
        tasks = label_tasks(run, instrument, sample=50, seed=0)
        session = LabelSession(tasks, run.labels, "ana", 1, 5)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(make_app(session), host="127.0.0.1", port=port, log_level="error")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.time() + 15
        while not server.started and time.time() < deadline:
            time.sleep(0.05)
        return server, thread, session, f"http://127.0.0.1:{port}"

    handles = []

    def open_page():
        handle = start()
        handles.append(handle)
        return handle

    yield run, open_page
    for server, thread, _, _ in handles:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.slow
@needs_chromium
def test_rate_ten_answers_with_the_keyboard_then_resume(served, tmp_path):
    from tests.labelling.cdp import Browser

    run, open_page = served
    server, thread, session, url = open_page()
    assert len(session.tasks) == 12
    browser = Browser(tmp_path / "profile")
    try:
        browser.goto(url + "/")
        browser.wait_for("document.body.dataset.ready === '1'")
        keys = ["4", "5", "n", "2", "ArrowLeft", "3", "1", "4", "n", "5", "4", "3"]
        for key in keys:
            before = browser.eval("document.getElementById('progress').textContent")
            browser.press(key)
            if not key.startswith("Arrow"):
                browser.wait_for(f"document.getElementById('progress').textContent !== {json.dumps(before)}")
        lines = [json.loads(x) for x in run.labels.read_text().splitlines()]
        assert len(lines) == 11 and {x["rater"] for x in lines} == {"ana"}
        # the arrow went back one answer and re-rated it: ten distinct answers are rated
        assert len({(x["item"], x["epoch"], x["dimension"]) for x in lines}) == 10
        assert [x["score"] for x in lines][:3] == [4, 5, None]
        # no judge score reaches the page, and the XSS payload stays text
        state = httpx.get(url + "/api/state").json()
        assert "score" not in json.dumps(state["tasks"]) and "evidence" not in json.dumps(state["tasks"])
        browser.send("Page.reload")
        browser.wait_for("document.body.dataset.ready === '1'")
        assert browser.eval("document.getElementById('progress').textContent").startswith("10 / 12 rated")
    finally:
        browser.close()
        server.should_exit = True
        thread.join(timeout=10)
    # a new session (reopening `rolecall label`) resumes at the first unrated answer
    _server2, _thread2, session2, url2 = open_page()
    assert len(session2.labels) == 10
    browser = Browser(tmp_path / "profile2")
    try:
        browser.goto(url2 + "/")
        browser.wait_for("document.body.dataset.ready === '1'")
        assert browser.eval("document.getElementById('progress').textContent").startswith(
            "10 / 12 rated · answer 11"
        )
        # every rendered answer is text: the payload is visible and inert on every page it appears on
        for _ in range(12):
            html_turns = browser.eval(
                "[...document.querySelectorAll('.turn')].map(t => t.textContent).join(' ')"
            )
            if "onerror" in html_turns:
                break
            browser.press("ArrowLeft")
        assert "onerror" in html_turns
        assert browser.eval("document.querySelectorAll('img, #turns script').length") == 0
        assert browser.eval("document.title") == "rolecall · rate answers"
    finally:
        browser.close()


def test_write_without_the_token_is_refused(served):
    _, open_page = served
    _, _, session, url = open_page()
    r = httpx.post(url + "/api/label", json={"index": 0, "score": 3})
    assert r.status_code == 403
    r = httpx.post(url + "/api/label", json={"index": 0, "score": 3}, headers={"X-Rolecall-Token": "wrong"})
    assert r.status_code == 403
    ok = httpx.post(
        url + "/api/label", json={"index": 0, "score": 9}, headers={"X-Rolecall-Token": session.token}
    )
    assert ok.status_code == 400
    assert httpx.post(
        url + "/api/label", json={"index": 0, "score": 3}, headers={"X-Rolecall-Token": session.token}
    ).json() == {
        "done": 1,
        "total": len(session.tasks),
    }


def test_non_loopback_bind_is_refused(run_scripted):
    out = run_scripted()
    proc = subprocess.run(
        [sys.executable, "-m", "rolecall", "label", str(out.run.path), "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "loopback" in proc.stderr and "Traceback" not in proc.stderr
