"""The one tokeniser: documents and queries go through the same functions, on every database.

Text is NFKC-normalised (full-width letters and digits become half-width) and lower-cased. Then:
- a run of CJK ideographs gives its overlapping bigrams (教育局 → 教育, 育局); a run of one ideograph gives
  that ideograph, so 2019年 is found by 年;
- a run of other letters and digits gives one word (COVID-19 → covid, 19; 5G → 5g).

A query matches a document holding every token of the query, so any word of two or more characters is
found wherever it stands; 教育局 needs 教育 and 育局 (in practice only ever met together).

Each token is written as a short ASCII word ([0-9a-v], a type letter first), so PostgreSQL's tsvector and
SQLite's FTS5 both take it as one lexeme and nothing in it is syntax to either: the same tokens give the same
rows on both. A CJK character is four base-32 digits of its code point, so a token's first character is
always its first four digits (``prefix_of`` a one-character query).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Final

_DIGITS: Final = "0123456789abcdefghijklmnopqrstuv"  # base 32, lower case, no symbol of either syntax
# CJK unified ideographs, extension A, compatibility ideographs, extensions B–H (to 0x323AF < 32**4).
_CJK: Final = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_RUNS: Final = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
_ASCII_WORD: Final = re.compile(r"[0-9a-z]+")

CJK: Final = "c"  # an ideograph or a bigram
WORD: Final = "w"  # an ASCII word
OTHER: Final = "u"  # a word of other letters (é, кириллица, かな): five digits per code point
TITLE: Final = "t"  # put before a token that occurs in the title

MAX_WORD = 40  # a longer "word" is a code or a URL: its first 40 characters find it
MAX_TOKENS = 60_000  # a document's distinct tokens (PostgreSQL: a tsvector is at most 1 MB)


def _b32(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        out.append(_DIGITS[n & 31])
        n >>= 5
    return "".join(reversed(out))


class _Codes(dict[int, str]):
    """Code point → its four digits, filled as characters are met (str.translate asks for each)."""

    def __missing__(self, cp: int) -> str:
        code = self[cp] = _b32(cp, 4)
        return code


_CODES: Final = _Codes()


def _word(word: str) -> str:
    word = word[:MAX_WORD]
    if _ASCII_WORD.fullmatch(word):
        return WORD + word
    return OTHER + "".join(_b32(ord(ch), 5) for ch in word)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _pairs(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


_COMPAT: Final = re.compile(r"[\uf900-\ufaff]")  # compatibility ideographs: NFKC maps them to unified ones


def _runs(text: str) -> list[tuple[str, str]]:
    """(ideographs, "") or ("", word) in order. Split first and normalise the pieces: NFKC leaves unified
    ideographs alone, so only words (and rare compatibility ideographs) need it, which is most of the time
    saved on a long Chinese text."""
    out: list[tuple[str, str]] = []
    for run, word in _RUNS.findall(text):
        if run:
            if _COMPAT.search(run):
                out.extend(_RUNS.findall(unicodedata.normalize("NFKC", run)))
            else:
                out.append((run, ""))
        else:
            out.extend(_RUNS.findall(normalise(word)))
    return out


def _raw(text: str) -> Iterator[str]:
    for run, word in _runs(text):
        if run:
            yield from _pairs(run)
        else:
            yield word


def _encoded(text: str) -> list[str]:
    out: list[str] = []
    for run, word in _runs(text):
        if not run:
            out.append(_word(word))
        elif len(run) == 1:
            out.append(CJK + run.translate(_CODES))
        else:
            digits = run.translate(_CODES)  # four per ideograph: a bigram is eight in a row
            out.extend([CJK + digits[i : i + 8] for i in range(0, len(digits) - 4, 4)])
    return out


def query_runs(text: str) -> list[str]:
    """The runs of a text (ideographs, words) as normalised, e.g. the words of a query to highlight."""
    return [run or word for run, word in _runs(text)]


def terms(text: str) -> list[str]:
    """The readable tokens of a text, in order, repeated as they occur (for highlighting and tests)."""
    return list(_raw(text))


def encode(term: str) -> str:
    if re.fullmatch(rf"[{_CJK}]+", term):
        return CJK + term.translate(_CODES)
    return _word(term)


def tokens(text: str) -> list[str]:
    """The distinct encoded tokens of a text, in first-seen order (a query's, or one field of a document)."""
    seen = list(dict.fromkeys(_encoded(text)))
    return seen[:MAX_TOKENS]


def document(title: str, body: str) -> str:
    """What is indexed for one document, space-separated: every token of the title and the body, and each
    title token once more with the title mark, so "in the title" is a lexeme too (no positions or weights
    to check)."""
    title_tokens = tokens(title)
    everything = [TITLE + t for t in title_tokens] + title_tokens + _encoded(body)
    return " ".join(list(dict.fromkeys(everything))[:MAX_TOKENS])


def title_key(title: str) -> str:
    """The title as compared for an exact match: normalised, without spaces and punctuation."""
    return "".join(m.group(0) for m in _RUNS.finditer(normalise(title)))[:200]


def prefix_of(query: str) -> str | None:
    """For a query of one ideograph: the prefix its bigrams share (found by a prefix search), else None."""
    q = normalise(query).strip()
    if len(q) == 1 and re.fullmatch(rf"[{_CJK}]", q):
        return CJK + q.translate(_CODES)
    return None
