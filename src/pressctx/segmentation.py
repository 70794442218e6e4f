"""Split news text into segments (sentences, headings, list items, one-line notes).

Offsets are exact: for every segment ``text[start:end] == segment_text``; segments
are in order, never overlap, never start or end with whitespace, and only
whitespace is left between them.

The splitter is rule-based and deterministic. A line break always ends a segment
(headings, notes and list items sit on lines of their own). Inside a line, a
sentence ends at ``.``, ``!``, ``?`` or an ellipsis (with any closing quotes or
brackets after it) when whitespace and a plausible sentence start follow, unless
the word before the period is a known abbreviation or an initial. An asterisk- or
bullet-led note that follows a sentence on the same line starts a segment of its
own. Segments longer than ``max_chars`` are cut at the last clause boundary or
space before the cap.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TextSpan", "segment_text", "MAX_SEGMENT_CHARS"]

#: Segments longer than this many characters are cut (the transformer sees at
#: most a few hundred characters of a segment anyway).
MAX_SEGMENT_CHARS = 1000

# Words that end with a period without ending a sentence (lowercased, no period).
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr sra srta sres dra dres lic ing arq gen gral col cnel cap capt lt
    sgt cmdr adm gov sen rep rev fr hon pres st sto sta mt jr snr esq mme mlle mm
    no nos nº núm num art arts inc ltd co corp bros dept univ assn est approx vol vols
    ed eds fig figs p pp cf vs etc al ca av avda c cía dpto ej pág págs tel ud uds vd vds
    jan feb mar apr jun jul aug sep sept oct nov dec ene abr ago dic
    u.s u.k u.n e.u ee.uu u.s.a p.ej i.e e.g a.m p.m a.c d.c
    г гг ул им т.е т.д
    """.split()
)
# Of those, the ones that abbreviate only before a number ("No. 5", "Art. 112", "p. 4").
_BEFORE_NUMBER = frozenset({"no", "nos", "nº", "núm", "num", "art", "arts", "p", "pp", "vol", "vols", "fig", "figs", "tel"})
# Of those, the ones that often end a sentence too ("... and so on, etc. Then").
_MAY_END = frozenset({"etc", "al", "a.m", "p.m", "inc", "ltd", "co", "corp", "т.д"})

_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")
# End punctuation, then closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"(?:\.{3}|…|[.!?]+)[\"'”’»)\]]*(?=\s)")
_OPENERS = "\"'“‘«([¿¡*•·▪►–—-"
_WORD_BEFORE = re.compile(r"([^\s(\[\"'“‘«]+)$")
# An asterisk- or bullet-led note inside a line: "... reported. *Read also: ..."
_INLINE_NOTE = re.compile(r"(?<=\S)\s+(?=(?:\*+|[•▪►])\s*\w)")


@dataclass(frozen=True)
class TextSpan:
    """A stretch of a text with exact character offsets."""

    start: int
    end: int
    text: str


def _is_abbreviation(before: str, next_char: str) -> bool:
    """Whether the word before a period is an abbreviation that keeps the sentence open."""
    word = before.rstrip(".").lower()
    if not word:
        return False
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Smith", "A. Pérez"
    if word in _BEFORE_NUMBER:
        return next_char.isdigit()
    if word in _ABBREVIATIONS:
        return not (word in _MAY_END and next_char.isupper())
    # Acronyms written with internal periods (U.S., EE.UU., a.m.) other than those listed.
    return bool(re.fullmatch(r"(?:\w{1,3}\.)+\w{1,3}", word)) and not next_char.isupper()


def _starts_sentence(rest: str) -> bool:
    """Whether ``rest`` plausibly begins a sentence: an opener, then no lowercase letter."""
    body = rest.lstrip(_OPENERS)
    if len(body) < len(rest) and rest[0] in "¿¡*•▪►":
        return True
    if not body:
        return False
    first = body[0]
    return first.isupper() or first.isdigit() or (first.isalpha() and not first.islower())


def _sentence_cuts(line: str) -> list[int]:
    """Positions inside ``line`` (relative) where a new sentence may start."""
    cuts: list[int] = []
    for m in _BOUNDARY.finditer(line):
        end = m.end()
        rest = line[end:]
        stripped = rest.lstrip()
        if not stripped:
            continue
        nxt = len(line) - len(stripped)
        if not _starts_sentence(stripped):
            continue
        punct = m.group(0)
        if punct == ".":
            word = _WORD_BEFORE.search(line[: m.start()])
            if word and _is_abbreviation(word.group(1) + ".", stripped[0]):
                continue
            if word and word.group(1)[-1:].isdigit() and stripped[:1].islower():
                continue
        cuts.append(nxt)
    for m in _INLINE_NOTE.finditer(line):
        cuts.append(m.end())
    return sorted(set(cuts))


def _cap(start: int, end: int, text: str, max_chars: int) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into pieces of at most ``max_chars`` characters."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        window = text[start : start + max_chars]
        cut = -1
        for pattern in (r"[;:]\s", r",\s", r"\s"):
            found = [m.end() for m in re.finditer(pattern, window) if m.end() > max_chars // 3]
            if found:
                cut = found[-1]
                break
        if cut <= 0:
            cut = max_chars
        piece_end = start + cut
        pieces.append((start, piece_end))
        start = piece_end
    pieces.append((start, end))
    return pieces


def segment_text(text: str, max_chars: int = MAX_SEGMENT_CHARS) -> list[TextSpan]:
    """Split ``text`` into segments with exact character offsets.

    Args:
        text: the document.
        max_chars: longest segment allowed; longer sentences are cut safely.

    Returns:
        The segments in order. Empty or whitespace-only text gives ``[]``.

    Raises:
        TypeError: if ``text`` is not a ``str``.

    Example:
        >>> [s.text for s in segment_text("Dr. Ruiz left. *Read also: more")]
        ['Dr. Ruiz left.', '*Read also: more']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if max_chars < 1:
        raise ValueError(f"max_chars must be positive, got {max_chars}")
    out: list[TextSpan] = []
    line_start = 0
    bounds = [(m.start(), m.end()) for m in _LINE_BREAK.finditer(text)] + [(len(text), len(text))]
    for br_start, br_end in bounds:
        line = text[line_start:br_start]
        starts = [0, *_sentence_cuts(line), len(line)]
        for a, b in zip(starts, starts[1:]):
            piece = line[a:b]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece.rstrip())
            if trail <= lead:
                continue
            s, e = line_start + a + lead, line_start + a + trail
            for ps, pe in _cap(s, e, text, max_chars):
                chunk = text[ps:pe]
                ls = len(chunk) - len(chunk.lstrip())
                rs = len(chunk.rstrip())
                if rs > ls:
                    out.append(TextSpan(ps + ls, ps + rs, text[ps + ls : ps + rs]))
        line_start = br_end
    return out
