"""A minimal Chrome DevTools Protocol client over a websocket: enough to load a page, press keys
and read the DOM in headless Chromium (no browser-automation dependency)."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from tests.report.chromium import CHROMIUM, FLAGS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Browser:
    def __init__(self, profile: Path):
        self.port = free_port()
        assert CHROMIUM is not None
        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={self.port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        target = None
        while time.time() < deadline and target is None:
            try:
                pages = httpx.get(f"http://127.0.0.1:{self.port}/json/list", timeout=2).json()
                target = next((p for p in pages if p.get("type") == "page"), None)
            except (httpx.HTTPError, ValueError):
                time.sleep(0.2)
        assert target is not None, "Chromium's DevTools endpoint did not come up"
        self._conn = connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=10)
        self.ws = self._conn.__enter__()
        self.ids = itertools.count(1)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        mid = next(self.ids)
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=30))
            if msg.get("id") == mid:
                assert "error" not in msg, msg
                return msg.get("result", {})

    def eval(self, expression: str) -> Any:
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return res.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 15.0) -> Any:
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def goto(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def press(self, key: str) -> None:
        """One key press as a user makes it: keyDown (with text for printable keys), keyUp."""
        codes = {"ArrowLeft": 37, "ArrowRight": 39}
        down: dict[str, Any] = {"type": "keyDown", "key": key}
        if key in codes:
            down.update(code=key, windowsVirtualKeyCode=codes[key])
        else:
            down.update(text=key)
        self.send("Input.dispatchKeyEvent", **down)
        self.send("Input.dispatchKeyEvent", type="keyUp", key=key)

    def close(self) -> None:
        try:
            self._conn.__exit__(None, None, None)
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=10)
