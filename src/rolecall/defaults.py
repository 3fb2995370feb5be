"""Defaults chosen by measurement (bench/judges.md), in one place."""

#: The default judge: the anchored semantic scorer measured best against the labelled set
#: (Spearman rho and known-groups separation; see bench/judges.md).
DEFAULT_JUDGE = "semantic"
#: The default subject model: the embedded Qwen2.5-Coder-0.5B-Instruct GGUF.
DEFAULT_MODEL = "local"
