"""Text as people type it in chat: abbreviations and apostrophe-less contractions, with the words they stand for.
Part of the product's text vocabulary (``index.text``), kept in its own module for size."""

from __future__ import annotations

import re

CHAT_WORDS: dict[str, str] = {
    "r": "are",
    "u": "you",
    "ur": "your",
    "n": "and",
    "w": "with",
    "w/": "with",
    "abt": "about",
    "bout": "about",
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "whos": "who is",
    "whose's": "who is",
    "wheres": "where is",
    "whats": "what is",
    "wats": "what is",
    "whens": "when is",
    "hows": "how is",
    "whichs": "which is",
    "ppl": "people",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "tho": "though",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "theyre": "they are",
    "im": "I am",
    "ive": "I have",
    "y": "why",
    "yr": "year",
    "smth": "something",
    "fn": "function",
    "fns": "functions",
    "w/o": "without",
    "algo": "algorithm",
    "algos": "algorithms",
    "sth": "something",
    "info": "information",
    "univ": "university",
    "uni": "university",
    "prof": "professor",
    "tut": "tutorial",
    "tuts": "tutorials",
    "pres": "presentation",
    "mins": "minutes",
    "hrs": "hours",
    "approx": "approximately",
    "diff": "difference",
    "vs.": "versus",
    "hw": "how",
    "frm": "from",
    "hv": "have",
    "hav": "have",
    "wen": "when",
    "ppr": "paper",
    "pprs": "papers",
    "thru": "through",
    "yrs": "years",
    "cant": "can't",
    "wont": "won't",
    "hasnt": "hasn't",
    "havent": "haven't",
    "gonna": "going to",
    "wanna": "want to",
}
"""Chat abbreviations and apostrophe-less contractions, as people type them, with the words they stand for. Only
whole lower-case tokens are replaced ("R" the language and "U-Net" stay)."""

_CHAT_LONG = [k for k in CHAT_WORDS if len(k) > 1]
_CHAT_TOKEN = re.compile(
    r"(?<![\w'’/-])(" + "|".join(re.escape(k) for k in sorted(_CHAT_LONG, key=len, reverse=True)) + r")(?![\w'’-])"
)
# A single letter stands for a word only between two words ("where r they", not "n = 5" or "a, b, n").
_CHAT_LETTER = re.compile(r"(?<=[A-Za-z0-9] )([" + "".join(k for k in CHAT_WORDS if len(k) == 1) + r"])(?= [a-z])")


def expand_chat(text: str) -> str:
    """Chat-style text in full words ("whos givin the talk abt X n where r they from" → "who is givin the talk
    about X and where are they from"); text without such tokens is returned as it is."""
    text = _CHAT_TOKEN.sub(lambda m: CHAT_WORDS[m.group(1)], text)
    return _CHAT_LETTER.sub(lambda m: CHAT_WORDS[m.group(1)], text)
