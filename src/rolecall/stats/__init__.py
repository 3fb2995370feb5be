"""Statistics for rolecall: numpy/scipy/krippendorff underneath, seeded, None for undefined.

- ``dimension_estimate``: mean over items × epochs; percentile cluster-bootstrap CI —
  scipy.stats.bootstrap with one score per item, else a two-stage (items, then scores within
  items) bootstrap in numpy (Davison & Hinkley 1997, §3.8). Clipped into the observed range.
- ``cronbach_alpha``: internal consistency across items, epochs as cases (Cronbach 1951).
- ``icc_test_retest``: ICC(2,1), two-way random, absolute agreement (Shrout & Fleiss 1979).
- ``judge_alpha``: Krippendorff's alpha, ordinal, between judges (Krippendorff 2004;
  ``krippendorff`` package).
- ``paired_comparison`` / ``unpaired_comparison``: two-sided permutation tests on the mean
  difference (scipy.stats.permutation_test), bootstrap CI of the difference
  (scipy.stats.bootstrap), Cohen's d (d_z when paired; Cohen 1988), Cliff's delta (Cliff 1993).
- ``holm`` / ``with_holm``: Holm–Bonferroni step-down adjustment across dimensions (Holm 1979).
- ``parse_range`` / ``dimension_verdict`` / ``overall_verdict``: expected range vs the CI.
- ``distinctive_phrases``: log-odds ratio with an informative Dirichlet prior, z-scored
  (Monroe, Colaresi & Quinn 2008); the prior is the pooled A+B n-gram counts, unscaled by default
  (prior weighs as much as the data; ``prior_total`` rescales it).
"""

from rolecall.stats.compare import (
    Comparison,
    holm,
    paired_comparison,
    unpaired_comparison,
    with_holm,
)
from rolecall.stats.hypothesis import Range, dimension_verdict, overall_verdict, parse_range
from rolecall.stats.intervals import Estimate, dimension_estimate
from rolecall.stats.phrases import Phrase, distinctive_phrases
from rolecall.stats.reliability import cronbach_alpha, icc_test_retest, judge_alpha

__all__ = [
    "Comparison",
    "Estimate",
    "Phrase",
    "Range",
    "cronbach_alpha",
    "dimension_estimate",
    "dimension_verdict",
    "distinctive_phrases",
    "holm",
    "icc_test_retest",
    "judge_alpha",
    "overall_verdict",
    "paired_comparison",
    "parse_range",
    "unpaired_comparison",
    "with_holm",
]
