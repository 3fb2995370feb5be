"""Statistics for rolecall (numpy/scipy/krippendorff; nothing hand-rolled that they provide).

- ``dimension_estimate``: mean over items × epochs with a 95% cluster-bootstrap interval
  (scipy.stats.bootstrap, percentile; two-stage when items have several scores).
- ``cronbach_alpha``: internal consistency of a dimension's items (Cronbach 1951).
- ``icc_test_retest``: ICC(2,1), two-way random, absolute agreement (Shrout & Fleiss 1979).
- ``judge_alpha``: Krippendorff's alpha, ordinal, between judges (krippendorff package).
- ``paired_comparison`` / ``unpaired_comparison``: permutation tests (scipy.stats.permutation_test),
  bootstrap CI of the difference, Cohen's d (d_z when paired), Cliff's delta (Cliff 1993).
- ``holm`` / ``with_holm``: Holm–Bonferroni correction across dimensions (Holm 1979).
- ``parse_range`` / ``dimension_verdict`` / ``overall_verdict``: hypothesis verdicts.
- ``distinctive_phrases``: log-odds ratio with informative Dirichlet prior (Monroe et al. 2008).
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
