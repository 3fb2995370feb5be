"""Per-answer analyses that the summary adds beside the dimension statistics.

- ``star_block``: STAR parts, quantified results, reflection and ownership per answer.
- ``ranking_block``: the dimensions (e.g. leadership principles) each answer evidences, ranked.
- ``level_block``: the proficiency level a dimension mean places the subject at.
- ``pressure_block``: whether dimension scores hold when the subject is put under pressure.
- ``abstention_counts`` / ``evidence_status``: how many verdicts found no evidence, and whether a
  dimension rests on enough evidence to be judged.
"""

from rolecall.analyses.evidence import abstention_counts, evidence_status
from rolecall.analyses.levels import level_block
from rolecall.analyses.pressure import pressure_block
from rolecall.analyses.ranking import ranking_block
from rolecall.analyses.star import star_block

__all__ = [
    "abstention_counts",
    "evidence_status",
    "level_block",
    "pressure_block",
    "ranking_block",
    "star_block",
]
