"""How much evidence a dimension rests on: abstentions by reason, and whether enough answers
gave evidence for its hypothesis verdict and level to mean anything."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from rolecall.defaults import MIN_EVIDENCED_ITEMS, MIN_EVIDENCED_SHARE
from rolecall.judge.evidence import ABSTAIN_REASONS
from rolecall.rundir import ScoreRecord


def abstention_counts(records: Iterable[ScoreRecord]) -> dict[str, Any]:
    """How many verdicts abstained, by reason (reasons in a fixed order, zero counts left out)."""
    reasons: Counter[str] = Counter(
        r.abstain_reason or "insufficient_evidence" for r in records if r.abstained
    )
    return {
        "total": sum(reasons.values()),
        "by_reason": {k: reasons[k] for k in ABSTAIN_REASONS if reasons[k]},
    }


def evidence_status(records: list[ScoreRecord], n_items: int) -> dict[str, Any]:
    """Whether a dimension rests on enough evidenced answers to be judged (``sufficient``).

    Sufficient: at least ``MIN_EVIDENCED_SHARE`` of its judged verdicts found evidence, and at
    least ``MIN_EVIDENCED_ITEMS`` items did (or every item asked about it, if it has fewer).
    """
    judged = [r for r in records if not r.unscored]
    evidenced = sum(r.score is not None for r in judged)
    share = evidenced / len(judged) if judged else 0.0
    asked = len({r.item for r in judged})
    return {
        "evidenced": evidenced,
        "judged": len(judged),
        "evidenced_share": round(share, 3),
        "evidenced_items": n_items,
        "sufficient": bool(judged)
        and n_items >= min(MIN_EVIDENCED_ITEMS, asked)
        and share >= MIN_EVIDENCED_SHARE,
    }
