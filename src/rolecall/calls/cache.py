"""Content-addressed response cache in SQLite: key = hash(model identity, spec, params, messages)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from rolecall.errors import RolecallError
from rolecall.hashing import sha256_json
from rolecall.models.base import Completion, GenParams, Message


def cache_key(
    spec: str, identity: str, messages: list[Message], params: GenParams, revision: str = ""
) -> str:
    """``revision``: what else decides the output for these weights (``ModelAPI.revision``); a
    model without one keeps the keys it always had."""
    key = {
        "spec": spec,
        "identity": identity,
        "params": params.model_dump(mode="json"),
        "messages": [m.model_dump() for m in messages],
    }
    if revision:
        key["revision"] = revision
    return sha256_json(key)


class ResponseCache:
    """A small thread-safe SQLite key/value store of completions (WAL, one transaction per put)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        new = not path.exists()
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        if new:
            os.chmod(path, 0o600)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS responses ("
                " key TEXT PRIMARY KEY, spec TEXT NOT NULL, completion TEXT NOT NULL, created REAL NOT NULL)"
            )
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise RolecallError(
                f"the response cache is damaged ({exc}): remove it or run with --no-cache", path=path
            ) from None

    def get(self, key: str) -> Completion | None:
        with self._lock:
            row = self._db.execute("SELECT completion FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return Completion.model_validate_json(row[0]).model_copy(update={"cached": True})

    def put(self, key: str, spec: str, completion: Completion) -> None:
        payload = completion.model_copy(update={"cached": False}).model_dump_json()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, spec, completion, created) VALUES (?, ?, ?, ?)",
                (key, spec, payload, time.time()),
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_cache(enabled: bool) -> ResponseCache | None:
    """The user's response cache (``cache_dir()/responses.sqlite``), or None when disabled."""
    from rolecall.paths import cache_dir

    return ResponseCache(cache_dir() / "responses.sqlite") if enabled else None
