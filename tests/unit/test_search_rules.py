"""Search analysis and rules without a database: stemming per script, typo correction
choice, and the coverage bonus in ranking."""

from __future__ import annotations

from omnishop.search import analysis, rules
from omnishop.search.engines import TermQuery, fts5_expression, tsquery_expression, tsvector_literal
from omnishop.search.rules import Candidate


def test_russian_word_forms_share_a_stem() -> None:
    assert analysis.stem("игры") == analysis.stem("игра") == analysis.stem("игрой")
    assert analysis.stem("охоту") == analysis.stem("охота")


def test_english_word_forms_share_a_stem() -> None:
    assert analysis.stem("games") == analysis.stem("game")
    assert analysis.stem("hunting") == analysis.stem("hunts")


def test_each_script_gets_its_own_stemmer_and_numbers_stay_whole() -> None:
    assert analysis.terms("Ведьмак Witchers PS4 2023") == ["ведьмак", "witcher", "ps4", "2023"]


def test_text_is_lower_cased_yo_folded_and_split_on_punctuation() -> None:
    assert analysis.words("Ёлка-гирлянда, LED_strip!") == ["елка", "гирлянда", "led", "strip"]


def test_short_words_and_numbers_are_never_corrected() -> None:
    assert analysis.max_typo_distance("кот") == 0
    assert analysis.max_typo_distance("ps44") == 0
    assert analysis.max_typo_distance("ведьмк") == 1
    assert analysis.max_typo_distance("телевизоры") == 2


def test_correction_picks_the_nearest_then_the_most_common_term() -> None:
    candidates = [
        Candidate("ведьмак", "ведьмак", 3),
        Candidate("ведьма", "ведьма", 9),  # also one edit away, more common
        Candidate("медведь", "медведь", 50),  # too far
    ]

    fixes = rules.best_corrections("ведьмк", candidates)

    assert [c.term for c in fixes] == ["ведьма", "ведьмак"]


def test_a_swap_of_neighbouring_letters_is_one_edit() -> None:
    assert rules.typo_distance("drill", "dirll") == 1
    assert [c.term for c in rules.best_corrections("dirll", [Candidate("drill", "drill", 1)])] == [
        "drill"
    ]


def test_long_words_allow_two_edits_short_ones_only_one() -> None:
    assert rules.best_corrections("телвизоор", [Candidate("телевизор", "телевизор", 1)])
    assert not rules.best_corrections("ведмк", [Candidate("ведьмак", "ведьмак", 1)])


def test_documents_with_every_query_term_outrank_repeats_of_one() -> None:
    hits = [("repeat", 2.0, "drill drill drill"), ("both", 1.6, "drill bit")]

    ranked = rules.rerank(hits, [{"drill"}, {"bit"}])

    assert [key for key, _ in ranked] == ["both", "repeat"]


def test_common_terms_do_not_drive_the_match_when_rarer_ones_exist() -> None:
    query = TermQuery([frozenset({"in"}), frozenset({"pvc"})], common=frozenset({0}))
    only_common = TermQuery([frozenset({"in"})], common=frozenset({0}))

    assert fts5_expression(query) == '{fts_title fts_body} : (("pvc"))'
    assert tsquery_expression(only_common) == "(('in':AB))"


def test_autocomplete_requires_earlier_words_and_a_prefix_of_the_last() -> None:
    query = TermQuery([frozenset({"ведьмак"})], prefix="дик", require_all=True)

    assert fts5_expression(query) == ('{fts_title fts_body} : (("ведьмак")) AND fts_raw : "дик" *')
    assert tsquery_expression(query) == "(('ведьмак':AB)) & 'дик':*D"


def test_tsvector_literal_keeps_terms_verbatim_with_weights() -> None:
    assert tsvector_literal("ведьмак", "игр", "ведьмак") == "'ведьмак':1A 'игр':2B 'ведьмак':3D"


CORPUS = rules.Corpus(documents=1000, average_length=6.0, doc_freqs={"pvc": 10, "pipe": 400})


def test_bm25_scores_a_rarer_term_higher_than_a_common_one() -> None:
    rare = rules.bm25([{"pvc"}], {"pvc": 1, "fit": 1}, {}, 2, CORPUS)
    common = rules.bm25([{"pipe"}], {"pipe": 1, "fit": 1}, {}, 2, CORPUS)

    assert rare > common > 0


def test_bm25_counts_a_title_match_above_a_body_match() -> None:
    in_title = rules.bm25([{"pvc"}], {"pvc": 1, "fit": 1}, {"white": 1}, 3, CORPUS)
    in_body = rules.bm25([{"pvc"}], {"white": 1, "fit": 1}, {"pvc": 1}, 3, CORPUS)

    assert in_title > in_body > 0


def test_bm25_is_zero_when_no_query_term_occurs() -> None:
    assert rules.bm25([{"pvc"}, {"pipe"}], {"copper": 1}, {"elbow": 2}, 3, CORPUS) == 0.0


def test_bm25_prefers_the_shorter_document_for_the_same_match() -> None:
    short = rules.bm25([{"pvc"}], {"pvc": 1}, {}, 2, CORPUS)
    long = rules.bm25([{"pvc"}], {"pvc": 1}, {}, 20, CORPUS)

    assert short > long


def test_bm25_alternatives_of_a_term_count_as_one_term() -> None:
    typo_fixes = rules.bm25([{"pvc", "pipe"}], {"pvc": 1}, {}, 2, CORPUS)
    exact = rules.bm25([{"pvc"}], {"pvc": 1}, {}, 2, CORPUS)

    # The pooled document frequency (410) makes the group less rare than "pvc" alone.
    assert 0 < typo_fixes < exact
