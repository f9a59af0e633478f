"""Seniority from the title, minimum years of experience from the description.

Seniority levels, most senior first when a title names several ("Senior Staff Engineer" is
staff, "Senior Manager" is manager, "Lead Level Designer" is lead): intern, executive
(chief/C-level, VP, president), director (director, head of), principal, staff, lead,
manager, senior, mid, junior. "Member of Technical Staff" names no level; "Account
Executive" is a sales title, not an executive; product, project, program and account
managers are individual contributors, so "Manager" there says nothing and "Senior Product
Manager" is senior.
"""

from __future__ import annotations

import re
from functools import lru_cache

from crawler.normalize.text import lowered_in_place

LEVELS = (
    "intern", "executive", "director", "principal", "staff", "lead", "manager", "senior",
    "mid", "junior",
)  # fmt: skip

_WORDS = {
    "intern": r"\bintern(?:ship)?\b|\btrainee\b|\bapprentice\b",
    "executive": r"\bchief\b|\bvice[- ]president\b|\bpresident\b",
    "director": r"\bdirector\b|\bhead\s+of\b",
    "principal": r"\bprincipal\b",
    "staff": r"(?<!technical )\bstaff\b(?!\s+(?:of|accountant|nurse))",
    "lead": r"\blead\b|\bteam\s+leader\b",
    "manager": (
        r"(?<!product )(?<!project )(?<!program )(?<!programme )(?<!account )(?<!success )"
        r"(?<!pricing )(?<!partnerships )\bmanager\b|\bmgr\b"
    ),
    "senior": r"\bsenior\b|\bsr\b",
    "mid": r"\bmid(?:[- ]level)?\b|\bintermediate\b",
    "junior": r"\bjunior\b|\bjr\b|\bentry[- ]level\b|\bgraduate\b|\bnew\s+grad\b",
}
# Acronyms and grade numerals are read in capitals only ("Engineer II", "CTO", "SVP").
_CAPITALS = {
    "executive": r"\bC[EFTOIMP]O\b|\bCISO\b|\b[SE]?VP\b",
    "senior": r"\bIII\b|\bIV\b",
    "mid": r"\bII\b",
    "junior": r"\bI$",
}
_RES = {
    level: re.compile(
        f"(?i:{_WORDS[level]})" + (f"|{_CAPITALS[level]}" if level in _CAPITALS else "")
    )
    for level in LEVELS
}


@lru_cache(maxsize=4096)
def seniority(title: str | None) -> str | None:
    """The most senior level the title names, or None."""
    if not title:
        return None
    return next((level for level in LEVELS if _RES[level].search(title.strip())), None)


_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_N = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
_YEARS = re.compile(
    rf"(?i)(?:\bat\s+least\s+|\bminimum\s+(?:of\s+)?|\bmin\.?\s+|~\s?)?{_N}"
    rf"(?:\s*(?:\+|plus)|\s*(?:-|–|to)\s*{_N}\+?|\s+or\s+more)?\s+years?\b"
)
_EXPERIENCE = re.compile(r"(?i)\bexperience[ds]?\b|\bexpertise\b|\bbackground\b")
_KOREAN = re.compile(r"경력\s*(\d{1,2})\s*년")
# Sentence breaks: whitespace after ".", "!" or "?", or a newline. Written to start with
# the whitespace so the engine skips to it (a leading lookbehind tried every position).
_SENTENCE_BREAK = re.compile(r"\s(?:(?<=[.!?]\s)\s*|(?<=\n))")


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _NUMBER_WORDS[token.lower()]


def experience_years_min(text: str | None) -> int | None:
    """The first minimum years of experience asked for: "8+ years", "at least 3 years of
    experience", "3-5 years", "Experience: 6+ years", "경력 9년 이상". Years that are not
    experience ("founded 25 years ago", "a 2 years contract") are not read: the sentence
    must speak of experience, or the figure be a minimum ("at least 3 years").
    """
    if not text:
        return None
    # _YEARS needs the word "year" (any case) and _KOREAN "경력": most sentences have
    # neither, and most descriptions neither in any sentence.
    low = lowered_in_place(text)
    if "year" not in (low if low is not None else text.lower()) and "경력" not in text:
        return None
    if low is None or "경력" in text:
        for sentence in _SENTENCE_BREAK.split(text):
            value = _years_in(sentence)
            if value is not None:
                return value
        return None
    # Only the sentences holding "year" can give a value: each is cut out of its line
    # (the break regex resumes where a full split would), not the whole text split.
    pos = 0  # where a full split's scan resumes (the end of a break, or 0)
    while (at := low.find("year", pos)) >= 0:
        start = max(pos, _sentence_floor(text, at))
        end = len(text)
        for brk in _SENTENCE_BREAK.finditer(text, start):
            if brk.start() > at:
                end, pos = brk.start(), brk.end()
                break
            start = brk.end()
        value = _years_in(text[start:end])
        if value is not None or end == len(text):
            return value
    return None


def _sentence_floor(text: str, at: int) -> int:
    """Where ``_SENTENCE_BREAK.split`` starts a sentence at or before ``at`` (a non-space):
    after the last newline before it, every newline being (part of) a break, and after
    the whole whitespace run around that newline if ".", "!" or "?" precedes the run."""
    newline = text.rfind("\n", 0, at)
    if newline < 0:
        return 0
    first = newline
    while first > 0 and text[first - 1].isspace():
        first -= 1
    if first == 0 or text[first - 1] not in ".!?":
        return newline + 1
    end = newline + 1
    while text[end].isspace():  # stops at ``at`` at the latest
        end += 1
    return end


def _years_in(sentence: str) -> int | None:
    if "year" in sentence.lower():
        for match in _YEARS.finditer(sentence):
            explicit_minimum = bool(re.match(r"(?i)at\s+least|minimum|min", match.group(0)))
            plus = "+" in match.group(0) or "plus" in match.group(0).lower()
            if _EXPERIENCE.search(sentence) or explicit_minimum or (plus and "year" in sentence):
                value = _number(match.group(1))
                if 0 < value <= 40:
                    return value
    korean = "경력" in sentence and _KOREAN.search(sentence)
    if korean:
        return int(korean.group(1))
    return None
