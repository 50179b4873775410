"""Text analysis shared by both engines: lower-case, tokenise, stem (Russian or English).

Indexing and querying go through the same functions, so whatever SQLite's FTS5 or
PostgreSQL's tsvector receive is already normalised: the engines only match exact terms.
Pure functions; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Letters and digits; "_" is a word character in Python's regex but never part of a term.
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")
_STEMMERS = {
    "ru": snowballstemmer.stemmer("russian"),
    "en": snowballstemmer.stemmer("english"),
}


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: the surface form a person typed and the term the index stores."""

    word: str
    term: str


def normalise(text: str) -> str:
    """Lower-case and fold ``ё`` into ``е`` (Russian writers use them interchangeably)."""
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """The lower-cased words of a text, in order."""
    return _TOKEN.findall(normalise(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The stem of one lower-case word: Russian stemmer for Cyrillic, English for Latin."""
    if _CYRILLIC.search(word):
        return str(_STEMMERS["ru"].stemWord(word))
    if _LATIN.search(word) and not any(ch.isdigit() for ch in word):
        return str(_STEMMERS["en"].stemWord(word))
    return word


def tokens(text: str) -> list[Token]:
    """Words of ``text`` with their stems, in order (duplicates kept: they are frequencies)."""
    return [Token(w, stem(w)) for w in words(text)]


def terms(text: str) -> list[str]:
    """Only the stems of ``text``, in order."""
    return [stem(w) for w in words(text)]


def stemmed_text(text: str) -> str:
    """What the full-text index stores for ``text``: stems separated by single spaces."""
    return " ".join(terms(text))


def raw_text(text: str) -> str:
    """Unstemmed lower-case words, for prefix matching while a person is still typing."""
    return " ".join(words(text))


def max_typo_distance(word: str) -> int:
    """How many edits a misspelt word may be from a known one: none for very short words and
    numbers (too many false friends), one for short words, two for long ones."""
    if len(word) < 4 or any(ch.isdigit() for ch in word):
        return 0
    return 1 if len(word) < 8 else 2
