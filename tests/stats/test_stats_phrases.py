import pytest

from rolecall.stats import distinctive_phrases
from rolecall.stats.phrases import ngram_counts

A = [
    "I always check the budget first. The budget matters.",
    "We review the budget weekly; the team agrees.",
    "Budget reviews keep the team honest.",
]
B = [
    "I trust my instincts. The team follows my instincts.",
    "Instincts matter more than plans; the team agrees.",
    "My instincts rarely fail the team.",
]


def test_word_only_in_a_ranks_top_for_a_and_vice_versa():
    top_a, top_b = distinctive_phrases(A, B, top=5)
    assert top_a[0].text == "budget"
    assert top_a[0].count_b == 0 and top_a[0].z > 0
    assert top_b[0].text == "instincts"
    assert top_b[0].count_a == 0 and top_b[0].z < 0
    assert all(p.z > 0 for p in top_a) and all(p.z < 0 for p in top_b)
    assert len(top_a) <= 5 and len(top_b) <= 5


def test_shared_words_are_less_distinctive_than_exclusive_ones():
    top_a, top_b = distinctive_phrases(A, B, top=50, min_count=1)
    z = {p.text: abs(p.z) for p in top_a + top_b}
    assert z.get("team", 0.0) < z["instincts"] and z.get("team", 0.0) < z["budget"]


def test_tokenising_rules():
    counts = ngram_counts(["The cat sat. Dogs ran!"], (1, 2))
    assert counts["cat"] == 1 and counts["cat sat"] == 1
    assert "the" not in counts and "the cat" not in counts  # no phrase starts or ends with a stopword
    assert "sat dogs" not in counts  # no n-gram across sentence punctuation
    with pytest.raises(ValueError):
        ngram_counts(["x"], (2, 1))


def test_min_count_and_empty_inputs():
    assert distinctive_phrases([], []) == ([], [])
    top_a, top_b = distinctive_phrases(["zebra"], ["yak"], min_count=2)
    assert top_a == [] and top_b == []
    same = distinctive_phrases(A, A)
    assert same == ([], [])  # identical corpora: every z is 0
