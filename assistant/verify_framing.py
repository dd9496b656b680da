"""What a sentence must carry to count as an answer: not an announcement of what follows ("X was evaluated on two
tasks that differ in domain and objective", "this paper presents several contributions"), and, for an item of a
list, the condition the list is about."""

from __future__ import annotations

import re
from collections.abc import Collection

from index.text import (
    CORPUS_WORDS,
    GENERIC_NOUNS,
    NUMBER_WORDS,
    REPORTING_WORDS,
    STUDY_VERBS,
    VAGUE_QUANTIFIERS,
    content_words,
    stem_matches,
    stems,
    words,
)

_GENERIC = frozenset(content_words(" ".join(GENERIC_NOUNS)))
_EMPTY = frozenset(
    content_words(" ".join([*VAGUE_QUANTIFIERS, *STUDY_VERBS, *REPORTING_WORDS, *CORPUS_WORDS, *NUMBER_WORDS]))
)
_COUNTING = frozenset(VAGUE_QUANTIFIERS) | frozenset(NUMBER_WORDS)
_ANNOUNCE_REACH = 3


def counts_a_class(sentence: str) -> bool:
    """Whether the sentence counts or qualifies a class of things ("two tasks", "several contributions")."""
    tokens = words(sentence)
    token_stems = stems(tokens)
    return any(
        (tok in _COUNTING or tok.isdigit()) and any(s in _GENERIC for s in token_stems[i + 1 : i + 1 + _ANNOUNCE_REACH])
        for i, tok in enumerate(tokens)
    )


_ENUMERATION = re.compile(r"^\s*(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|\(?(?:i|ii|iii|1|2|3|a|b)\))[\s,:.]", re.I)


def enumerates(sentence: str) -> bool:
    """Whether the sentence starts an item of an enumeration ("First, …", "(ii) …")."""
    return bool(_ENUMERATION.match(sentence))


def announces_only(sentence: str, given: Collection[str] = ()) -> bool:
    """Whether the sentence only announces content: it counts or qualifies a class ("two tasks", "several
    contributions", "various aspects") and, besides the words ``given`` (stems of the title, the question), says
    nothing but such classes, counts and verbs of method or reporting. A sentence naming the members ("two tasks:
    parsing and tagging") says something."""
    if not counts_a_class(sentence):
        return False
    said = [s for s in content_words(sentence) if s not in _GENERIC and s not in _EMPTY and not s.isdigit()]
    return not [s for s in said if s not in given]


def meets_condition(sentence: str, condition: str) -> bool:
    """Whether a sentence (a list item with its evidence) states the condition a list is about: every content word
    of the condition, or a word sharing its stem, is in the sentence (so "talks on reinforcement learning" keeps
    an item about "reinforcement-learning agents" and drops one about "supervised learning")."""
    needed = [s for s in content_words(condition.replace("-", " ")) if s not in _EMPTY and s not in _GENERIC]
    if not needed:
        return True
    have = set(content_words(sentence)) | set(content_words(sentence.replace("-", " ")))
    return all(stem_matches(s, have) for s in needed)
