"""Interviewing a subject model with an instrument."""

from rolecall.interview.runner import (
    BASELINE_SYSTEM,
    Task,
    completed_conversations,
    interview_stage,
    pending_tasks,
    run_interview,
)

__all__ = [
    "BASELINE_SYSTEM",
    "Task",
    "completed_conversations",
    "interview_stage",
    "pending_tasks",
    "run_interview",
]
