"""Defaults, in one place: chosen by measurement where a bench says so (bench/judges.md,
bench/validity.md); every entry point (CLI, RunConfig, grid, ablation) reads them here."""

from typing import Final

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

# ---------------------------------------------------------------- run settings
# The same for every entry point (the CLI commands, RunConfig, the grid and ablation studies).

#: The subject model: the embedded 0.5B model that `make demo` installs (bench/validity.md).
DEFAULT_MODEL = "local"
#: How the persona is framed in the system prompt, chosen by measurement (bench/validity.md).
DEFAULT_PERSONA_STYLE: Final = "first-person"
DEFAULT_EPOCHS = 1
#: Calls in flight per model.
DEFAULT_CONCURRENCY = 4
#: Base sampling seed; epoch k samples with seed + k.
DEFAULT_SEED = 0
DEFAULT_TEMPERATURE = 0.7
#: Answer length cap in tokens.
DEFAULT_MAX_TOKENS = 320
#: Parent folder of run directories.
DEFAULT_OUT = "runs"
