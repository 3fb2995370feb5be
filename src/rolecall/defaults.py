"""Defaults chosen by measurement (bench/judges.md), in one place."""

#: The default judge: the anchored semantic scorer measured best against the labelled set
#: (Spearman rho and known-groups separation; see bench/judges.md).
DEFAULT_JUDGE = "semantic"

#: A dimension is judged (hypothesis verdict, level) only when its evidence reaches both: at
#: least this many items with an evidenced (non-abstained) answer (or all of them, if fewer
#: items ask about it) ...
MIN_EVIDENCED_ITEMS = 3
#: ... and at least this share of its judged verdicts evidenced. Below either, its verdict is
#: "insufficient evidence" (see docs/decisions.md).
MIN_EVIDENCED_SHARE = 0.5
