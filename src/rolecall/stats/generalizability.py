"""Generalizability study of one persona's dimension score, and the decision study built on it.

Design. A run measures one persona on a dimension with items (always), epochs (each a fresh
sample, and a different wording where items have ``variants``) and judges, fully crossed. The
variance components of that random-effects design are estimated by the ANOVA method (expected
mean squares, Brennan 2001, ch. 3) on the items whose every epoch × judge cell was scored;
an item with an abstention or unscored cell is left out of the study and counted. Negative
estimates are reported as zero (and used as zero in the projections), the usual convention.

Coefficient. With one persona there is no between-persona variance, so the classical G
coefficient is undefined. What a run decides is which side of a cut the persona's universe
score lies on (its hypothesis bound, or the scale's midpoint when it states none), and the G
coefficient reported is Brennan's dependability index for a cut score with a single object of
measurement:

    Φ(λ) = s² / (s² + σ²_Δ),   s² = max(0, (X̄ − λ)² − σ̂²_Δ)

where σ²_Δ, the absolute error variance of the mean, is Σ σ²_S / Π_{f∈S} n_f over every effect
S (item, epoch, judge and their interactions), and subtracting the run's own σ̂²_Δ makes s² an
unbiased estimate of (μ − λ)². Φ is near 1 when the design places the persona clearly on one
side of the cut and near 0 when the persona sits on it, whatever the design: then no number of
items helps, and the D-study says so. The D-study projects σ²_Δ, Φ and the normal 95 % interval
half-width 1.96·σ_Δ for other numbers of items, epochs and judges.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from rolecall.formatting import rounded

#: facet names in array-axis order
FACETS = ("item", "epoch", "judge")
TARGET_G = 0.8
#: the D-study grid (items are also searched one by one for ``items_for_g``)
ITEMS_GRID = (5, 10, 20, 40, 80)
EPOCHS_GRID = (1, 2, 3, 5)
JUDGES_GRID = (1, 2, 3)
MAX_ITEMS = 500
Z95 = 1.959964


def effect_name(effect: tuple[str, ...]) -> str:
    return " × ".join(effect)


@dataclass(frozen=True)
class Components:
    """Variance components of a crossed random design (facets with one level dropped)."""

    facets: tuple[str, ...]
    sizes: dict[str, int]
    variance: dict[tuple[str, ...], float]  # effect -> component (negatives kept)
    mean: float

    def clamped(self) -> dict[tuple[str, ...], float]:
        return {k: max(0.0, v) for k, v in self.variance.items()}

    def error_variance(self, sizes: dict[str, int] | None = None) -> float:
        """σ²_Δ of the grand mean for a design with these facet sizes (default: the run's)."""
        n = {**self.sizes, **(sizes or {})}
        return sum(v / math.prod(n[f] for f in eff) for eff, v in self.clamped().items())


def anova_components(y: np.ndarray, facets: tuple[str, ...]) -> Components:
    """ANOVA (expected mean squares) estimates for a balanced, fully crossed array ``y`` whose
    axes are ``facets`` (each with ≥ 2 levels). The all-facet effect is the residual."""
    if y.ndim != len(facets) or any(s < 2 for s in y.shape):
        raise ValueError("every facet needs at least two levels")
    k = y.ndim
    sizes = dict(zip(facets, y.shape, strict=True))
    grand = float(y.mean())
    effects = [tuple(c) for r in range(1, k + 1) for c in itertools.combinations(range(k), r)]
    ms: dict[tuple[int, ...], float] = {}
    for eff in effects:
        # the effect's array by inclusion-exclusion over marginal means
        term = np.zeros([y.shape[a] for a in eff])
        for r in range(len(eff) + 1):
            for keep in itertools.combinations(eff, r):
                drop = tuple(a for a in range(k) if a not in keep)
                marg = y.mean(axis=drop) if drop else y
                # broadcast marg (axes = keep) into the effect's axes
                shape = [y.shape[a] if a in keep else 1 for a in eff]
                term = term + (-1) ** (len(eff) - r) * np.reshape(marg, shape)
        ss = float((term**2).sum()) * math.prod(y.shape[a] for a in range(k) if a not in eff)
        df = math.prod(y.shape[a] - 1 for a in eff)
        ms[eff] = ss / df
    # E[MS_S] = Σ_{T ⊇ S} (Π_{f ∉ T} n_f) σ²_T, solved from the highest order down
    sigma: dict[tuple[int, ...], float] = {}
    for eff in sorted(effects, key=len, reverse=True):
        rest = sum(
            math.prod(y.shape[a] for a in range(k) if a not in t) * sigma[t]
            for t in sigma
            if set(eff) < set(t)
        )
        sigma[eff] = (ms[eff] - rest) / math.prod(y.shape[a] for a in range(k) if a not in eff)
    return Components(
        facets=facets,
        sizes=sizes,
        variance={tuple(facets[a] for a in eff): v for eff, v in sigma.items()},
        mean=grand,
    )


def dependability(comp: Components, cut: float, sizes: dict[str, int] | None = None) -> float:
    """Φ(λ) for a design with these sizes (0 when the run's mean cannot be told from the cut:
    no design then separates the sides)."""
    signal = max(0.0, (comp.mean - cut) ** 2 - comp.error_variance())
    err = comp.error_variance(sizes)
    if signal == 0.0:
        return 0.0
    return signal / (signal + err) if err > 0 else 1.0


def items_for(comp: Components, cut: float, target: float, sizes: dict[str, int]) -> int | None:
    """The fewest items reaching ``target`` with the other facets at ``sizes``; None if none
    up to MAX_ITEMS does."""
    for n in range(1, MAX_ITEMS + 1):
        if dependability(comp, cut, {**sizes, "item": n}) >= target:
            return n
    return None


def d_study(comp: Components, cut: float, target: float = TARGET_G) -> dict[str, object]:
    """Projected Φ and interval half-width over the grid, and the cheapest design reaching
    ``target`` (fewest items × epochs × judges verdicts per dimension). A facet the run did not
    vary (one epoch, one judge) stays at its run size: its variance is not known."""
    epochs = EPOCHS_GRID if "epoch" in comp.facets else (1,)
    judges = JUDGES_GRID if "judge" in comp.facets else (1,)
    grid = []
    best: tuple[int, dict[str, int]] | None = None
    for e in epochs:
        for j in judges:
            sizes = {"epoch": e, "judge": j}
            for i in sorted({*ITEMS_GRID, comp.sizes["item"]}):
                design = {**sizes, "item": i}
                grid.append(
                    {
                        "items": i,
                        "epochs": e,
                        "judges": j,
                        "g": rounded(dependability(comp, cut, design)),
                        "ci_half_width": rounded(Z95 * math.sqrt(comp.error_variance(design))),
                    }
                )
            need = items_for(comp, cut, target, sizes)
            if need is not None and (best is None or need * e * j < best[0]):
                best = (need * e * j, {"items": need, "epochs": e, "judges": j, "verdicts": need * e * j})
    return {"grid": grid, "cheapest": best[1] if best else None}
