"""Defaults chosen by measurement (bench/judges.md), in one place."""

#: The default judge: the anchored semantic scorer measured best against the labelled set
#: (Spearman rho and known-groups separation; see bench/judges.md).
DEFAULT_JUDGE = "semantic"
#: The default subject model: the embedded Qwen2.5-Coder-0.5B-Instruct GGUF.
DEFAULT_MODEL = "local"

#: Agreement of each judge configuration with the labelled set (bench/data/judge_labels.jsonl),
#: copied from bench/judges.md; printed in every report's method section.
MEASURED_AGREEMENT: dict[str, dict[str, object]] = {
    "semantic": {"instrument": "research-orientation", "n": 60, "spearman": 0.74, "within_1": 0.70},
    "local": {"instrument": "research-orientation", "n": 60, "spearman": -0.09, "within_1": 0.58},
    "local+logprob": {"instrument": "research-orientation", "n": 60, "spearman": -0.05, "within_1": 0.33},
    "local:1.5b": {"instrument": "research-orientation", "n": 60, "spearman": 0.19, "within_1": 0.58},
    "local:1.5b+logprob": {"instrument": "research-orientation", "n": 60, "spearman": 0.10, "within_1": 0.50},
}
