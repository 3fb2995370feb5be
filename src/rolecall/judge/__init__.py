"""Judging answers against anchored rubrics."""

from rolecall.judge.answers import Answer, load_answers
from rolecall.judge.judges import JUDGE_PARAMS, Judge, LLMJudge, call_limit, describe_judge, make_judge
from rolecall.judge.stage import pending_judgements, run_judging
from rolecall.judge.verdict import Verdict, parse_verdict, quote_in_answer

__all__ = [
    "JUDGE_PARAMS",
    "Answer",
    "Judge",
    "LLMJudge",
    "Verdict",
    "call_limit",
    "describe_judge",
    "load_answers",
    "make_judge",
    "parse_verdict",
    "pending_judgements",
    "quote_in_answer",
    "run_judging",
]
