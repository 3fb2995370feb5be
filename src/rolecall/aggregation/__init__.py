"""Building summary.json from a run's files in one streaming pass, with columns instead of records.

``rolecall.aggregate.summarize`` reads each JSONL file of a run once (``reading``): lines are
validated against their record model as plain dicts (``rolecall.rundir.rows``), and what the
summary needs is kept as it streams by — the verdicts on the dimensions their item asks about as
numpy columns (``columns``), the few verdicts whose quotes the reports cite (``evidence``), the
persona's first-epoch turns, call totals — never a model instance per line. The statistics are
then computed on the columns (``dimensions``, ``studies``) with the same arithmetic, in the same
order, as the record-list code they replace, so a summary is byte-identical to what that code
wrote. Analyses that need whole conversations (STAR, ranking, sessions, a learned calibration)
still get the full record lists: a run that needs them is read keeping every record.
"""
