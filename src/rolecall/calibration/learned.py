"""``--method learned``: an offline supervised scorer trained on the user's own labels.

Features of an answer × dimension: the judge's score, the answer's anchored position between the
dimension's poles (as the semantic scorer computes it), and the embedding (all-MiniLM-L6-v2) of
the answer's evidence sentences — what is left once the judges' common screen has set aside
restatements of the question or rubric, refusals and filler. A ridge regression per dimension on
the standardised features, its penalty chosen by leave-one-out cross-validation (scikit-learn),
predicts the raters' score, clipped to the scale. The model is a list of coefficients in
CAL.json, not a pickle, so the file is inspectable and safe to share.

Chosen on the dev split of the real-answer set (bench/judges.md): adding the question's
embedding, or dropping the judge's score, did worse in cross-validation there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import metadata

import numpy as np

from rolecall.calibration.cv import Fitter
from rolecall.calibration.file import LinearModel
from rolecall.errors import RolecallError
from rolecall.instrument import Instrument, Item
from rolecall.judge.answers import Answer
from rolecall.judge.evidence import references, screen
from rolecall.text import sentences

ALPHAS = np.logspace(-1, 4, 21)
FEATURE_SET = "judge score, anchored position, evidence embedding"


def feature_spec() -> dict[str, str]:
    """What a learned calibration's features depend on; a file made with others is refused."""
    from rolecall.scoring.embedder import DIST

    try:
        version = metadata.version(DIST)
    except metadata.PackageNotFoundError:
        raise RolecallError(
            f"a learned calibration needs the {DIST} package: pip install 'rolecall[semantic]'"
        ) from None
    return {"set": FEATURE_SET, "embedder": DIST, "embedder_version": version}


class Featurizer:
    """Feature vectors of answers for one instrument (embeddings cached by the embedder)."""

    def __init__(self, instrument: Instrument):
        from rolecall.scoring.embedder import get_embedder

        self.instrument = instrument
        self.spec = feature_spec()
        self.embedder = get_embedder()

    def _item(self, answer: Answer) -> Item | None:
        try:
            return self.instrument.item(answer.rubric_item)
        except KeyError:
            return None

    def vector(self, answer: Answer, dimension: str, score: float) -> np.ndarray:
        from rolecall.scoring.semantic import answer_position, sentence_positions

        dim = self.instrument.dimension(dimension)
        item = self._item(answer)
        checked = screen(answer.answer_only, references(self.instrument, dim, item, answer.prompts))
        sents = checked.evidence or sentences(answer.answer_only) or [answer.answer_only or " "]
        sv, pos = sentence_positions(self.embedder, sents, self.instrument, dim, item)
        mean = sv.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        return np.concatenate([[score, answer_position(pos)], mean / norm if norm else mean])


def _sig(values: np.ndarray) -> list[float]:
    """Six significant digits: the model stays readable in CAL.json without losing precision."""
    return [float(f"{float(v):.6g}") for v in values]


def _ridge(x: np.ndarray, y: list[float]) -> LinearModel:
    try:
        from sklearn.linear_model import RidgeCV
    except ImportError:
        raise RolecallError(
            "a learned calibration needs scikit-learn: pip install 'rolecall[semantic]'"
        ) from None
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0  # a constant feature
    model = RidgeCV(alphas=ALPHAS).fit((x - mean) / scale, np.asarray(y, dtype=float))
    return LinearModel(
        mean=_sig(mean),
        scale=_sig(scale),
        coef=_sig(model.coef_),
        intercept=float(model.intercept_),
        alpha=float(model.alpha_),
        n=len(y),
    )


def fitter(lo: int, hi: int) -> Fitter:
    def fit(rows: Sequence[np.ndarray], labels: list[float]) -> Callable[[Sequence[np.ndarray]], list[float]]:
        model = _ridge(np.vstack(rows), labels)
        return lambda xs: [float(np.clip(model.predict(x), lo, hi)) for x in xs]

    return fit


def fit_dimension(rows: list[np.ndarray], labels: list[float]) -> LinearModel:
    return _ridge(np.vstack(rows), labels)
