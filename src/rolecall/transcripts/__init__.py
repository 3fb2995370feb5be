"""Recorded (human) interview answers: parsing and matching to instrument items."""

from rolecall.transcripts.match import ItemMatcher, Match, TfidfIndex
from rolecall.transcripts.parse import RecordedAnswer, Transcript, load_transcript

__all__ = ["ItemMatcher", "Match", "RecordedAnswer", "TfidfIndex", "Transcript", "load_transcript"]
