"""report.html in real headless Chromium: every section renders, injected script never runs."""

import subprocess

import pytest

from tests.report.chromium import CHROMIUM, FLAGS, needs_chromium
from tests.report.test_html import SECTIONS

pytestmark = [needs_chromium, pytest.mark.slow]


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_report_renders_and_payloads_stay_inert(write, run_scripted, tmp_path):
    evil = write(
        "evil.yaml",
        """
        rules: []
        default: "I'd prototype. <script>document.title='PWNED'</script><img src=x onerror=\\"document.title='PWNED'\\">"
        """,
    )
    run = run_scripted(subject=evil).run
    url = run.report_html.resolve().as_uri()
    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert "PWNED" not in html.split("</title>")[0]  # the title was never rewritten by a script
    for section in SECTIONS:
        assert f'id="{section}"' in html
    assert html.count("<svg") >= 2
    shot = tmp_path / "report.png"
    res = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", url)
    assert res.returncode == 0 and shot.exists() and shot.stat().st_size > 20_000
