"""The rating page: a Starlette app served by uvicorn on 127.0.0.1 only.

``GET /`` is the page (static HTML and script; every answer is inserted as text, never as HTML),
``GET /api/state`` the rater's tasks and labels so far, ``POST /api/label`` one label. Writes need
the per-session token the page carries (``X-Rolecall-Token``): another web page the rater has
open cannot post labels. Labels are appended to ``RUN_DIR/labels.jsonl`` with one fsynced write.
"""

from __future__ import annotations

import ipaddress
import secrets
from importlib import resources
from pathlib import Path
from typing import Any

from rolecall.errors import RolecallError
from rolecall.labelling.sample import LabelTask
from rolecall.labels import LabelRecord, append_labels, latest, read_labels


def check_loopback(host: str) -> None:
    """Refuse any bind address that is not loopback: labels and answers stay on this machine."""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise RolecallError(f"--host {host!r}: the rating page binds to loopback only (127.0.0.1, ::1)")


class LabelSession:
    """One rater's session over a fixed list of tasks; labels go to ``labels_path``."""

    def __init__(self, tasks: list[LabelTask], labels_path: Path, rater: str, lo: int, hi: int):
        self.tasks = tasks
        self.path = labels_path
        self.rater = rater
        self.lo, self.hi = lo, hi
        self.token = secrets.token_urlsafe(24)
        mine = latest(read_labels(labels_path)) if labels_path.exists() else {}
        self.labels: dict[int, int | None] = {}
        index = {t.key: i for i, t in enumerate(tasks)}
        for (key, rater_name), lab in mine.items():
            if rater_name == rater and key in index:
                self.labels[index[key]] = lab.score

    def state(self) -> dict[str, Any]:
        return {
            "rater": self.rater,
            "scale": [self.lo, self.hi],
            "tasks": [t.public(i) for i, t in enumerate(self.tasks)],
            "labels": {str(i): s for i, s in self.labels.items()},
        }

    def label(self, index: int, score: int | None) -> dict[str, Any]:
        if not 0 <= index < len(self.tasks):
            raise ValueError("no such task")
        if score is not None and not self.lo <= score <= self.hi:
            raise ValueError(f"score outside {self.lo}..{self.hi}")
        item, epoch, subject, dim = self.tasks[index].key
        record = LabelRecord.model_validate(
            {
                "item": item,
                "epoch": epoch,
                "subject": subject,
                "dimension": dim,
                "score": score,
                "rater": self.rater,
            }
        )
        append_labels(self.path, [record])
        self.labels[index] = score
        return {"done": len(self.labels), "total": len(self.tasks)}


def make_app(session: LabelSession) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    files = resources.files("rolecall.labelling")
    page = files.joinpath("page.html").read_text(encoding="utf-8")
    script = files.joinpath("page.js").read_text(encoding="utf-8")
    # no inline script may run: even text that slipped through as markup could not execute
    csp = (
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )

    async def index(request: Request) -> Response:
        html = page.replace("__TOKEN__", session.token)
        return HTMLResponse(html, headers={"Content-Security-Policy": csp, "Cache-Control": "no-store"})

    async def js(request: Request) -> Response:
        return Response(script, media_type="text/javascript", headers={"Cache-Control": "no-store"})

    async def state(request: Request) -> Response:
        return JSONResponse(session.state(), headers={"Cache-Control": "no-store"})

    async def label(request: Request) -> Response:
        if not secrets.compare_digest(request.headers.get("x-rolecall-token", ""), session.token):
            return JSONResponse({"error": "missing or wrong session token"}, status_code=403)
        try:
            body = await request.json()
            index = int(body["index"])
            raw = body.get("score")
            score = None if raw is None else int(raw)
            return JSONResponse(session.label(index, score))
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"error": str(exc) or "bad request"}, status_code=400)

    return Starlette(
        routes=[
            Route("/", index),
            Route("/page.js", js),
            Route("/api/state", state),
            Route("/api/label", label, methods=["POST"]),
        ]
    )


def serve(session: LabelSession, host: str, port: int) -> None:
    import uvicorn

    check_loopback(host)
    config = uvicorn.Config(make_app(session), host=host, port=port, log_level="warning", access_log=False)
    uvicorn.Server(config).run()
