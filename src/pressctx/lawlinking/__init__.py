"""Registry of speech-restricting legal instruments and a linker that finds them in text.

The registry (``lawlinking/laws.json``) lists laws, decrees and code articles that are used
against speech, the press or access to information: foreign-agent and "undesirable
organisation" laws, "fake news" and cybercrime laws, insult and lèse-majesté
provisions, national-security and anti-terror laws used against journalists, and so
on. :func:`find_laws` returns the registry entries named in a text, with exact
character offsets. Laws that restrict nothing (tax, oil, sanctions, amnesty, emergency
economic decrees) are not in the registry, so they are never returned.

Example:
    >>> from pressctx import find_laws, laws
    >>> [m.law.id for m in find_laws("Venezuela's Law against Hatred was used again.")]
    ['ve-law-against-hatred']
    >>> laws.get("ru-art-207-3").country
    'Russia'

How linking works. Text is folded to lowercase without accents (with a map back to
the original offsets). Every word of the folded text is looked up, by its first three
letters and those of the next word, in a table of compiled patterns that may start
there. Matches then resolve as follows:

* an entry's ``names``, ``aliases`` and ``patterns`` name it outright;
* its ``context_patterns`` ("the Russian law" for Georgia's foreign-influence law) count
  only when the text names the entry's country;
* ``generic`` phrases shared by several countries' laws ("foreign agents law",
  "cybercrime law") go to the candidate whose country is named nearest, to the
  group's ``default`` when no country is named, and nowhere if there is no default
  or another country is named right next to the phrase ("Turkey's foreign agents bill");
* article numbers ("Article 112", "ст. 280.3 УК", the ordinal "280-й статье") go to the
  entry of the country named in the text, or, for a distinctive number ("207.3") held by a
  single entry, to that entry when a code is mentioned next to it; a Russian-language
  citation with no country named is read as Russian;
* ``list_items`` link the bare members of a list of laws ("las leyes del odio,
  antifascista y antibloqueo");
* ``blockers`` hide registry phrases inside names of other instruments (the US
  Foreign Agents Registration Act);
* of overlapping matches the longest wins;
* ``code_choice`` moves an offence named without its number to the entry of the code its
  sentence names ("дискредитация армии ... штраф" is КоАП 20.3.3, not УК 280.3), unless the
  sentence names the entry's own code too;
* with ``context=True`` the text is one document, and ``references`` ("the law",
  "la norma", "el decreto") link to the law of their kind named in the
  ``REF_WINDOW`` characters before them (see ``_Linker._add_references``).

Country cues ("Russia", "ruso", "российский", "Caracas") are listed per country in
``laws.json``; the mention of a law that belongs to one country is a cue as well.

Pattern language used in ``laws.json`` (everything but ``names`` and ``aliases``, which
are literal phrases): words separated by spaces, each folded like the text; ``a|b``
alternatives; ``a+b`` two words inside one alternative; ``word*`` any word starting with
``word`` (three letters at least when it starts a pattern); a trailing ``?`` makes a word
optional; ``~N`` allows up to N other words; ``#`` is any number. Between words any run
of one to six non-word characters is accepted. A pattern written in capitals, and a
capitalised acronym in a name ("PECA", "IT Rules"), must be in capitals in the text.
"""
from __future__ import annotations

import bisect
import difflib
import json
import logging
import os
import re
import threading
import types
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..errors import UnknownLawError

__all__ = ["Law", "LawMention", "LawRegistry", "UnknownLawError", "country_of_outlet", "find_laws", "implied_law", "laws"]

logger = logging.getLogger(__name__)

_DATA_FILE = "laws.json"


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Law:
    """One registry entry: a law, decree or code article that restricts speech.

    Attributes:
        id: Stable slug, e.g. ``"ve-law-against-hatred"``.
        name: Canonical English name.
        names: Official and translated names by language code (``"original"``, ``"en"``,
            ``"es"``, ``"ru"`` ...).
        aliases: Short and informal names used in press coverage.
        articles: Code article numbers when the instrument is a code article.
        country_code: ISO 3166-1 alpha-2 code (``"HK"`` for Hong Kong).
        country: Country or territory name in English.
        year: Year adopted or last amended in a way that matters for speech.
        restricts: One sentence on what it restricts.
        source: Short note on where the text was published.
    """

    id: str
    name: str
    names: Mapping[str, tuple[str, ...]]
    aliases: tuple[str, ...]
    articles: tuple[str, ...]
    country_code: str
    country: str
    year: int
    restricts: str
    source: str

    def __hash__(self) -> int:
        return hash(self.id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, in the layout of ``laws.json``.

        Returns:
            A dict with plain lists and strings.

        Example:
            >>> laws.get("sg-pofma").to_dict()["country"]
            {'code': 'SG', 'name': 'Singapore'}
        """
        return {
            "id": self.id,
            "name": self.name,
            "names": {k: list(v) for k, v in self.names.items()},
            "aliases": list(self.aliases),
            "articles": list(self.articles),
            "country": {"code": self.country_code, "name": self.country},
            "year": self.year,
            "restricts": self.restricts,
            "source": self.source,
        }


@dataclass(frozen=True)
class LawMention:
    """A registry law named in a text.

    Attributes:
        start: Offset of the first character in the searched text.
        end: Offset one past the last character; ``text[start:end] == mention.text``.
        text: The words that name the law, as written.
        law: The registry entry.
        implied: ``True`` for a link that no words make: a ``censorship_law`` passage of a tagged
            document that names no law is linked to the law the document is about (see
            :func:`implied_law`); ``start``/``end`` then cover the passage.
    """

    start: int
    end: int
    text: str
    law: Law
    implied: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form.

        Returns:
            ``start``, ``end``, ``text``, ``law_id``, ``law_name``, ``country`` and ``implied``.

        Example:
            >>> find_laws("under the NSL")[0].to_dict()["law_id"]
            'hk-national-security-law'
        """
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "law_id": self.law.id,
            "law_name": self.law.name,
            "country": self.law.country,
            "implied": self.implied,
        }


# --------------------------------------------------------------------------- folding

_EXTRA_FOLD = {"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "º": "o", "ª": "a", "ё": "е"}
_FOLD_CACHE: dict[str, str] = {}


def _fold_char(c: str) -> str:
    out = _FOLD_CACHE.get(c)
    if out is None:
        pieces = []
        for ch in unicodedata.normalize("NFD", c.lower()):
            if unicodedata.category(ch) == "Mn":
                continue
            pieces.append(_EXTRA_FOLD.get(ch, ch))
        out = "".join(pieces)
        _FOLD_CACHE[c] = out
    return out


def _fold_plain(text: str) -> str:
    """Fold a pattern or alias (no offset map needed)."""
    return "".join(_fold_char(c) for c in text)


def _fold(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """Lowercase and strip accents, keeping a map back to the original offsets.

    Returns:
        ``(folded, starts, ends)``; ``starts``/``ends`` are ``None`` when the folding is
        one character for one character (the usual case), so offsets carry over as is.
    """
    table: dict[int, str] = {}
    one_to_one = True
    for c in set(text):
        f = _fold_char(c)
        if f != c:
            table[ord(c)] = f
        if len(f) != 1:
            one_to_one = False
    folded = text.translate(table) if table else text
    if one_to_one:
        return folded, None, None
    starts: list[int] = []
    ends: list[int] = []
    for i, c in enumerate(text):
        f = _FOLD_CACHE[c]
        n = len(f)
        if n == 1:
            starts.append(i)
            ends.append(i + 1)
        elif n == 0:
            if ends:  # a lone combining mark belongs to the character before it
                ends[-1] = i + 1
        else:
            starts.extend([i] * n)
            ends.extend([i + 1] * n)
    return folded, starts, ends


# --------------------------------------------------------------------------- patterns

_SEP = r"[\W_]{1,6}"
# Inside and right after a gap (``~N``) words are not sought across a sentence end ("... law. The ...").
_GAP_SEP = r"(?:(?![.!?]\s)[\W_]){1,6}"
_JOIN = r"[\W_]?"
_NUMBER = r"\d+(?:[.\-/]\d+)*"
_WORD = re.compile(r"\w+")
_DSL_ALT = re.compile(r"^[\w'\-./*+]*$")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_POSSESSIVE = re.compile(r"['\u2019]s(?!\w)")
_OF = re.compile(r"\W*(?:of|in|under|from|de|del|du|da|do)\W*")
# Words that open a list of laws named by their subject alone ("leyes del odio, antifascista y antibloqueo").
_LIST_HEAD = re.compile(
    r"(?<!\w)(?:leyes|laws|legislacion|legislation|legislacao|normas|normativas|leis|lois|instrumentos|"
    r"instruments|statutes|законы|законов|законами|законодательств\w*)(?!\w)"
)
_LIST_GAP = re.compile(
    r"(?:[\W_]|(?<!\w)(?:la|las|el|los|lo|the|de|del|da|do|das|dos|a|y|e|and|or|o|ni|como|such|as|known|"
    r"conocidas?|conocidos?|llamadas?|llamados?|denominadas?|so|called|tres|three|dos|two|contra|against|ahora|tambien|now|also|"
    r"anti|ley|law|lei|loi|les|le|et|ou|des|du|о|об|и|против|laws|leyes|leis|lois|legislacion|legislation|"
    r"legislacao|normas|normativas|instrumentos|instruments|statutes|законы|законов|законами|"
    r"законодательство)(?!\w))*"
)


def _caps(phrase: str, dsl: bool) -> tuple[str, ...]:
    """Acronyms in a name that must keep their capitals when matched."""
    if dsl:
        letters = [c for c in phrase if c.isalpha()]
        return ("*",) if letters and all(c.isupper() for c in letters) else ()
    words = _WORD.findall(phrase)
    if len(words) == 1 and len(words[0]) <= 6 and words[0].isupper() and len(words[0]) >= 2:
        return (words[0],)
    return tuple(w for w in words if len(w) >= 2 and w.isupper() and w.isalpha() and w.isascii())
# Scripts written without spaces: matched as substrings, not word by word.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def _word_regex(literal: str, star: bool) -> tuple[str, str]:
    parts = _WORD.findall(literal)
    if not parts:
        return "", ""
    body = _JOIN.join(re.escape(p) for p in parts)
    if star:
        if len(parts[0]) < 3 and len(parts) == 1:
            raise ValueError(f"wildcard word {literal!r}* needs at least three letters")
        body += r"\w*"
    return body, parts[0][:3]


def _compile_words(
    tokens: list[str], dsl: bool
) -> tuple[str, set[str], frozenset[str] | None, frozenset[str]]:
    """Turn a tokenised phrase into regex source and its dispatch keys.

    Returns:
        ``(source, keys, next_keys, needs)``: the keys are the first three letters of the
        words the phrase can start with; ``next_keys`` those of the word that must follow,
        or ``None`` when any word may follow (optional word, gap, multi-part first word);
        ``needs`` the first three letters of later words the phrase cannot match without,
        so that a text lacking one of them skips the phrase.
    """
    pieces: list[str] = []
    keys: set[str] = set()
    needs: set[str] = set()
    first_single = False
    next_keys: frozenset[str] | None = None
    after_gap = False
    for tok in tokens:
        if dsl and re.fullmatch(r"~\d+", tok):
            if not pieces:
                raise ValueError("a pattern cannot start with a gap")
            pieces.append(rf"(?:{_GAP_SEP}\w+){{0,{int(tok[1:])}}}")
            first_single = False
            after_gap = True
            continue
        if dsl and tok == "#":
            if not pieces:
                raise ValueError("a pattern cannot start with a number wildcard")
            pieces.append(_SEP + _NUMBER)
            first_single = False
            continue
        optional = False
        alts: list[str]
        if dsl:
            if tok.endswith("?") and len(tok) > 1:
                optional, tok = True, tok[:-1]
            alts = tok.split("|")
            for a in alts:
                if not _DSL_ALT.match(a):
                    raise ValueError(f"bad pattern word {a!r}")
        else:
            alts = [tok]
        regexes: list[str] = []
        first_keys: set[str] = set()
        single = True  # every alternative is one word with no inner punctuation
        required: set[str] = set()
        for a in alts:
            # "a+b" is a run of words inside one alternative ("armed+forces").
            words = []
            key = ""
            for w in (a.split("+") if dsl else [a]):
                star = dsl and w.endswith("*")
                bare = w.rstrip("*") if star else w
                rx, k = _word_regex(bare, star)
                if rx:
                    words.append(rx)
                    key = key or k
                    parts = _WORD.findall(bare)
                    if len(parts) != 1 or (star and len(bare) < 3):
                        single = False
                    elif len(alts) == 1 and not (star and len(bare) < 3):
                        required.add(parts[0][:3])
            if len(words) > 1:
                single = False
            if words:
                regexes.append(_SEP.join(words))
                first_keys.add(key)
            else:
                optional = True  # an alternative made only of punctuation
        if not regexes:
            continue
        core = regexes[0] if len(regexes) == 1 else "(?:" + "|".join(regexes) + ")"
        if not pieces:
            if optional:
                raise ValueError("the first word of a pattern cannot be optional")
            pieces.append(core)
            keys = first_keys
            first_single = single
            continue
        if len(pieces) == 1 and first_single and not optional:
            next_keys = frozenset(first_keys)
        if not optional:
            needs |= required
        first_single = False
        sep = _GAP_SEP if after_gap else _SEP
        after_gap = False
        if optional:
            pieces.append(f"(?:{sep}{core})?")
        else:
            pieces.append(sep + core)
    if not pieces:
        raise ValueError("empty pattern")
    return "".join(pieces) + r"(?!\w)", keys, next_keys, frozenset(needs)


@dataclass
class _Matcher:
    kind: str  # "law", "cue", "block" or "item"
    regex: re.Pattern[str]
    # law: {law index: plain?}; cue: country code; item: law index; block: None
    payload: Any
    generic: int = -1  # index of the shared-phrase group, -1 when none
    # Acronyms that must be written in capitals ("PECA", not Portuguese "peça"); "*": the whole match.
    caps: tuple[str, ...] = ()
    # First three letters of later words the phrase needs; a text without one of them skips it.
    needs: frozenset[str] = frozenset()


@dataclass
class _Hit:
    start: int  # offsets into the folded text
    end: int
    cands: dict[int, bool]  # law index -> plain (links without a country cue)
    groups: set[int]
    article: str | None = None
    list_head: "_Hit | None" = None


# --------------------------------------------------------------------------- article numbers

_ART_WORDS = (
    r"articles?|arts?|sections?|secs?|ss?\.|paragraphs?|clauses?|articulos?|artigos?|dieu|madde|maddesi|"
    r"seksyen|pasal|статья|статьи|статье|статью|статьеи|статьям|статьями|статьях|ст"
)
_NUM = r"\d{1,3}(?!\d)(?:[.\-]\d{1,2}(?!\d)){0,2}(?:\s?(?:bis|ter)(?!\w)|/[a-z](?!\w)|\([a-z0-9]\)|-?[a-z](?!\w))?"
_LIST_SEP = r"\s*(?:,|and|or|y|o|e|и|или|et|ou|&)\s*(?:(?:" + _ART_WORDS + r")\.?\s*)?"
_ARTICLE_RE = re.compile(
    rf"(?<!\w)(?:{_ART_WORDS})\.?\s*(?:(?:no|n|nº|№)\.?\s*)?(?P<num>{_NUM})(?P<rest>(?:{_LIST_SEP}{_NUM})*)"
    rf"|(?<![\w.])(?P<num2>{_NUM})\s*(?:ук|коап|tck|tmk|ipc|ppc|bns)(?!\w)"
    rf"|(?<!\w)(?:tck|tmk|ipc|ppc|bns|ук|коап)(?:\s*рф)?\s*(?:(?:{_ART_WORDS})\.?\s*)?(?P<num3>{_NUM})"
    # Russian ordinals, folded ("280-й статье", "по 207.3-й статье УК"): the number, then the article word.
    rf"|(?<![\w.])(?P<num4>\d{{1,3}}(?:\.\d{{1,2}}){{0,2}})\s?-\s?(?:и|я|ои|еи|ую)\s+(?:статья|статьи|статье|статью|статьеи)(?!\w)"
)
_NUM_RE = re.compile(rf"(?<![\w.]){_NUM}")
_CODE_NEAR = re.compile(
    r"(?<!\w)(?:code|codes|codigo|kodeks|кодекс\w*|ук|коап|penal|criminal|уголовн\w*|ipc|ppc|bns|tck|tmk|"
    r"sanhita|ceza)(?!\w)"
)
_NOT_SPEECH_AFTER = re.compile(
    r"^\W*(?:(?:of|de|del|da|do|des|du|la|el|the|to|в|из|of\s+the)\W+){0,3}(?:\w+\W+){0,2}?"
    r"(?:tax|fiscal|tributari\w*|labou?r|laboral|trabajo|trabalho|travail|civil|civile|family|familia|land|"
    r"housing|electoral|election|commercial|comercio|customs|aduan\w*|налогов\w*|трудов\w*|гражданск\w*|"
    r"семеин\w*|земельн\w*|жилищн\w*|бюджетн\w*|избирательн\w*|constitution\w*|constitucion\w*|constituic\w*|"
    r"конституци\w*|charter|covenant|convention|declaration|convencion|pacto|treaty|tratado|universal|"
    r"european|americana?|international|bill\s+of\s+rights|regulation|reglamento)(?!\w)"
)
_NOT_SPEECH_BEFORE = re.compile(
    r"(?:constitution|constitucion|constituicao|конституции|tax\s+code|codigo\s+(?:fiscal|tributario|civil)|"
    r"налогового\s+кодекса|civil\s+code|labou?r\s+code|charter|covenant|convention)\W*(?:s\W+)?$"
)


# After a reference: a name the registry does not hold ("the law on associations", "la ley de hidrocarburos"),
# unless what follows is a year ("the law of 2017", "la ley de 2020", "the law of that year").
_REF_NAMED = re.compile(
    r"[\W_]{1,3}(?:on|of|against|de|del|sobre|contra|da|do|das|dos|du|des|sur|о|об|против)[\W_]+"
    r"(?!\d|that\W+year|ese\W+ano|este\W+ano|aquel\W+ano|esse\W+ano|cette\W+annee|того\W+года)\w"
)
_REF_NOT_A_LAW = re.compile(r"[\W_]{1,3}(?:enforcement|firm|firms|school|student|students|degree|faculty|makers?)(?!\w)")
# After a list word: the genitive that names another list ("в перечень террористов и экстремистов").
# The registry's lists hold organisations, groups, materials and resources ("в перечень организаций").
_REF_LIST_OF = re.compile(
    r"[\W_]{1,3}(?!(?:организаци|формировани|структур|материал|ресурс|издани|сми)\w*(?!\w))[а-я]+(?:ов|ев|ей|ых|их|ии|ий)(?!\w)"
)
_REF_NOT_REF = re.compile(r"article\W+19")
# "a medida que", "à medida que", "la medida en que": a conjunction ("as", "to the extent that"), not a measure.
_REF_CONJUNCTION = re.compile(r"[\W_]{1,3}(?:(?:em|en)[\W_]+)?que(?!\w)")
_REF_BEFORE = re.compile(r"(?:rule\W+of|above|before|estado\W+de|imperio\W+de|ante|fuera\W+de|margen\W+de)\W+$")


def _cue_regex(phrases: list[str]) -> re.Pattern[str]:
    """One regex for plain cue phrases: words folded, ``a|b`` alternatives, ``word*`` prefixes."""
    alts = []
    for phrase in phrases:
        words = []
        for w in _fold_plain(phrase).split():
            words.append("(?:" + "|".join(re.escape(a[:-1]) + r"\w*" if a.endswith("*") else re.escape(a)
                                          for a in w.split("|")) + ")")
        alts.append(r"\W+".join(words))
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)")


def _canon_article(s: str) -> str:
    s = _fold_plain(s)
    s = re.sub(r"[()\s]", "", s)
    s = re.sub(r"[-/.](?=[a-z])", "", s)
    return s.replace("-", ".").replace("/", ".")


# --------------------------------------------------------------------------- linker


class _Linker:
    """Compiled matchers for one registry (built once, on first use)."""

    REF_WINDOW = 3000  # a reference leans on the laws named this many characters before it

    def __init__(self, laws: list[Law], data: dict[str, Any]) -> None:
        self.laws = laws
        self.index = {law.id: i for i, law in enumerate(laws)}
        # first three letters of a word -> (matchers to try whatever follows,
        #                                   {first three letters of the next word: matchers})
        self.dispatch: dict[str, tuple[list[_Matcher], dict[str, list[_Matcher]]]] = {}
        self.unspaced: list[_Matcher] = []
        self.group_laws: list[set[int]] = []
        self.articles: dict[str, list[int]] = {}
        # law index -> [(other law, words naming the other law's code, words naming this law's code)]
        self.code_choice: dict[int, list[tuple[int, re.Pattern[str], re.Pattern[str]]]] = {}
        law_sources: dict[tuple[bool, str, tuple[str, ...]], dict[int, bool]] = {}
        law_groups: dict[tuple[bool, str, tuple[str, ...]], int] = {}

        def source_key(phrase: str, dsl: bool) -> tuple[bool, str, tuple[str, ...]]:
            return dsl, _fold_plain(phrase).strip(), _caps(phrase, dsl)

        def add_law_phrase(phrase: str, idx: int, plain: bool, dsl: bool) -> None:
            cands = law_sources.setdefault(source_key(phrase, dsl), {})
            cands[idx] = cands.get(idx, False) or plain

        for raw in data["laws"]:
            idx = self.index[raw["id"]]
            skip = {_fold_plain(s) for s in raw.get("no_match", [])}
            literal = [n for names in raw["names"].values() for n in names] + raw.get("aliases", [])
            for phrase in literal:
                if _fold_plain(phrase) not in skip:
                    add_law_phrase(phrase, idx, True, dsl=False)
            for pat in raw.get("patterns", []):
                add_law_phrase(pat, idx, True, dsl=True)
            for pat in raw.get("context_patterns", []):
                add_law_phrase(pat, idx, False, dsl=True)
            for art in raw.get("articles", []):
                self.articles.setdefault(_canon_article(art), []).append(idx)
            for pat in raw.get("list_items", []):
                self._add(_fold_plain(pat), True, "item", idx, -1, ())
            for choice in raw.get("code_choice", []):
                self.code_choice.setdefault(idx, []).append(
                    (self.index[choice["law"]], _cue_regex(choice["when"]), _cue_regex(choice["unless"])))

        for g, group in enumerate(data.get("generic", [])):
            members = {self.index[i] for i in group["laws"]}
            default = group.get("default")
            self.group_laws.append(members)
            for pat in group["patterns"]:
                key = source_key(pat, True)
                cands = law_sources.setdefault(key, {})
                for m in members:
                    cands.setdefault(m, False)
                if default:
                    cands[self.index[default]] = True
                law_groups[key] = g

        for key, cands in law_sources.items():
            dsl, folded, caps = key
            self._add(folded, dsl, "law", cands, law_groups.get(key, -1), caps)
        for pat in data.get("blockers", []):
            self._add(_fold_plain(pat), True, "block", None, -1, ())
        for code, country in data["countries"].items():
            for pat in country["cues"]:
                self._add(_fold_plain(pat), True, "cue", code, -1, ())
        # References that lean on the document ("the law", "la norma"), matched only with context=True.
        self.ref_dispatch: dict[str, tuple[list[_Matcher], dict[str, list[_Matcher]]]] = {}
        self.ref_kinds: dict[str, set[int]] = {}
        for kind, spec in data.get("references", {}).items():
            if kind.startswith("_"):
                continue
            members = self._kind_members(spec.get("names_with", []))
            if spec.get("without_articles"):
                members = {i for i in members if not self.laws[i].articles}
            if spec.get("with_articles"):
                members = {i for i in members if self.laws[i].articles}
            if spec.get("not_named"):
                unnamed = [_fold_plain(w) for w in spec["not_named"]]
                members = {i for i in members if not any(
                    re.search(rf"(?<!\w){re.escape(w)}(?!\w)", _fold_plain(self.laws[i].name)) for w in unnamed)}
            self.ref_kinds[kind] = members
            for pat in spec["patterns"]:
                self._add(_fold_plain(pat), True, "ref", kind, -1, (), self.ref_dispatch)

    def _kind_members(self, words: list[str]) -> set[int]:
        """Laws whose names contain one of ``words`` (all laws when ``words`` is empty)."""
        if not words:
            return set(range(len(self.laws)))
        folded = [_fold_plain(w) for w in words]
        out = set()
        for i, law in enumerate(self.laws):
            names = " ".join(_fold_plain(n) for n in [law.name, *(x for v in law.names.values() for x in v)])
            if any(re.search(rf"(?<!\w){re.escape(w)}", names) for w in folded):
                out.add(i)
        return out

    def _add(self, folded: str, dsl: bool, kind: str, payload: Any, group: int, caps: tuple[str, ...],
             table: dict[str, tuple[list[_Matcher], dict[str, list[_Matcher]]]] | None = None) -> None:
        if table is None:
            table = self.dispatch
        if _UNSPACED.search(folded):
            # e.g. Chinese or Thai: no spaces between words, so match the phrase anywhere.
            src = r"\s*".join(re.escape(p) for p in folded.split())
            self.unspaced.append(_Matcher(kind, re.compile(src), payload, group, caps))
            return
        tokens = folded.split()
        try:
            src, keys, next_keys, needs = _compile_words(tokens, dsl)
        except ValueError as exc:
            raise ValueError(f"laws.json: cannot compile {folded!r}: {exc}") from None
        matcher = _Matcher(kind, re.compile(src), payload, group, caps, needs)
        for k in keys:
            any_next, by_next = table.setdefault(k, ([], {}))
            if next_keys is None:
                any_next.append(matcher)
            else:
                for nk in next_keys:
                    by_next.setdefault(nk, []).append(matcher)

    # ------------------------------------------------------------------ search

    def find(self, text: str, context: bool = False, country: str | None = None) -> list[LawMention]:
        folded, starts, ends = _fold(text)
        hits: dict[tuple[int, int], _Hit] = {}
        cues: list[tuple[int, int, str]] = []
        blocks: list[tuple[int, int]] = []
        items: list[tuple[int, int, int]] = []
        refs: list[tuple[int, int, str]] = []
        dispatch = self.dispatch
        tables = [dispatch, self.ref_dispatch] if context and self.ref_dispatch else [dispatch]

        def record(m: _Matcher, s: int, e: int) -> None:
            if m.caps:
                original = text[s:e] if starts is None else text[starts[s]:ends[e - 1]]
                if m.caps == ("*",):
                    if original.upper() != original:
                        return
                elif not set(m.caps) <= set(_WORD.findall(original)):
                    return
            if m.kind == "cue":
                cues.append((s, e, m.payload))
            elif m.kind == "ref":
                refs.append((s, e, m.payload))
            elif m.kind == "block":
                blocks.append((s, e))
            elif m.kind == "item":
                items.append((s, e, m.payload))
            else:
                hit = hits.get((s, e))
                if hit is None:
                    hit = hits[(s, e)] = _Hit(s, e, {}, set())
                for idx, plain in m.payload.items():
                    hit.cands[idx] = hit.cands.get(idx, False) or plain
                if m.generic >= 0:
                    hit.groups.add(m.generic)

        tokens = _WORD.findall(folded)
        positions = [t.start() for t in _WORD.finditer(folded)]
        n_tokens = len(tokens)
        present = {t[:3] for t in tokens}
        usable: dict[tuple[int, str], tuple[list[_Matcher], dict[str, list[_Matcher]]] | None] = {}
        for t_id, table in enumerate(tables):
            for i, word in enumerate(tokens):
                key = (t_id, word[:3])
                entry = usable.get(key, False)
                if entry is False:
                    # Once per text and key: drop the phrases whose later words the text lacks.
                    entry = table.get(word[:3])
                    if entry is not None:
                        entry = ([m for m in entry[0] if m.needs <= present],
                                 {nk: [m for m in ms if m.needs <= present]
                                  for nk, ms in entry[1].items() if nk in present})
                    usable[key] = entry
                if entry is None:
                    continue
                any_next, by_next = entry
                pos = positions[i]
                for m in any_next:
                    mm = m.regex.match(folded, pos)
                    if mm:
                        record(m, pos, mm.end())
                if by_next and i + 1 < n_tokens:
                    for m in by_next.get(tokens[i + 1][:3], ()):
                        mm = m.regex.match(folded, pos)
                        if mm:
                            record(m, pos, mm.end())
        if self.unspaced and _UNSPACED.search(folded):
            for m in self.unspaced:
                for mm in m.regex.finditer(folded):
                    record(m, mm.start(), mm.end())

        article_hits = self._find_articles(folded)
        if not hits and not article_hits and not items:
            return []
        cues.sort()
        ctx = _Context(cues, folded, country)

        law_hits = sorted(hits.values(), key=lambda h: (h.start, h.end))
        # A name that overlaps a phrase shared by several countries becomes as ambiguous as it.
        for i, h in enumerate(law_hits):
            j = i + 1
            while j < len(law_hits) and law_hits[j].start < h.end:
                g = law_hits[j]
                self._share(h, g)
                self._share(g, h)
                j += 1

        resolved: list[tuple[int, int, int, bool]] = []  # (start, end, law index, plain)
        # A name that belongs to one country's law is itself a cue for the others.
        pending = []
        extra_cues = []
        for h in law_hits:
            if len(h.cands) == 1 and next(iter(h.cands.values())):
                idx = next(iter(h.cands))
                resolved.append((h.start, h.end, idx, True))
                extra_cues.append((h.start, h.end, self.laws[idx].country_code))
            else:
                pending.append(h)
        # A country word inside a law name of other countries is part of that name, not a cue, when one of
        # those countries is named elsewhere ("the 'Russian law'" in an article on Georgia).
        named_codes = {c[2] for c in cues}
        hit_starts = [h.start for h in law_hits]
        kept = []
        for c in cues:
            k = bisect.bisect_right(hit_starts, c[0])
            for h in law_hits[max(0, k - 4):k]:
                if c[1] <= h.end:
                    codes = {self.laws[i].country_code for i in h.cands}
                    # ... or when the name is that country's outright ("nicknamed the 'Russian law'").
                    if c[2] not in codes and (codes & named_codes or (len(codes) == 1 and any(h.cands.values()))):
                        break
            else:
                kept.append(c)
        if extra_cues or len(kept) < len(cues):
            ctx = _Context(sorted(kept + extra_cues), folded, country)
        for h in pending:
            idx = self._resolve(h, ctx)
            if idx is not None:
                resolved.append((h.start, h.end, idx, h.cands.get(idx, False)))
        heads: dict[int, int] = {}
        for h in article_hits:
            idx = self._resolve_article(h, folded, ctx, heads)
            if idx is not None:
                resolved.append((h.start, h.end, idx, False))
                heads[id(h)] = idx

        if blocks:
            # A blocker ("Foreign Agents Registration Act" of the US) hides the registry phrases inside it,
            # unless a registry entry resolved on exactly that phrase (Georgia's copy of the act).
            own = {(r[0], r[1]) for r in resolved}
            active = [b for b in blocks if b not in own]
            resolved = [r for r in resolved if not any(
                b_s < r[1] and r[0] < b_e and not (r[0] <= b_s and b_e <= r[1] and r[1] - r[0] > b_e - b_s)
                for b_s, b_e in active)]

        resolved.sort(key=lambda r: (-(r[1] - r[0]), not r[3], r[0]))
        taken: list[tuple[int, int]] = []
        chosen: list[tuple[int, int, int]] = []
        for s, e, idx, _ in resolved:
            i = bisect.bisect_left(taken, (s, -1))
            if i > 0 and taken[i - 1][1] > s:
                continue
            if i < len(taken) and taken[i][0] < e:
                continue
            taken.insert(i, (s, e))
            chosen.append((s, e, idx))
        if self.code_choice:
            chosen = [(s, e, self._choose_code(folded, s, e, idx)) for s, e, idx in chosen]
        if items:
            self._add_list_items(folded, items, chosen)
        if refs:
            self._add_references(text, folded, starts, refs, chosen, ctx)
        chosen.sort()
        out = []
        for s, e, idx in chosen:
            o_s = s if starts is None else starts[s]
            o_e = e if ends is None else ends[e - 1]
            out.append(LawMention(o_s, o_e, text[o_s:o_e], self.laws[idx]))
        return out

    def _choose_code(self, folded: str, s: int, e: int, idx: int) -> int:
        """An offence named without its article number goes to the code its sentence names.

        "дискредитация армии" is both an administrative offence (КоАП 20.3.3) and a crime (УК 280.3):
        a mention that carries no number goes to the entry whose ``code_choice`` words ("КоАП",
        "административн*", "штраф*") its sentence holds, unless the sentence also names this
        entry's own code ("УК", "уголовн*").
        """
        choices = self.code_choice.get(idx)
        if not choices or any(c.isdigit() for c in folded[s:e]):
            return idx
        start = max((m.end() for m in _SENTENCE_END.finditer(folded, max(0, s - 400), s)), default=max(0, s - 400))
        m_end = _SENTENCE_END.search(folded, e)
        sentence = folded[start:m_end.start() + 1 if m_end else min(len(folded), e + 400)]
        for other, when, unless in choices:
            if when.search(sentence) and not unless.search(sentence):
                return other
        return idx

    def _add_references(self, text: str, folded: str, starts: list[int] | None,
                        refs: list[tuple[int, int, str]], chosen: list[tuple[int, int, int]],
                        ctx: "_Context") -> None:
        """Link references that lean on the document ("the law", "la norma") to the law they point back to.

        The candidates are the laws of the kind the reference names (a decree for "el decreto", a code for
        "the code") linked in the ``REF_WINDOW`` characters before it. One candidate is taken. Of several,
        the one named last is taken when it stands apart: no other candidate is named in the
        ``REF_APART`` characters before its last mention or after it (two laws named together, "la ley
        contra el odio y la ley antibloqueo", leave "la norma" unresolved). Of several countries' laws, only those
        of the country named nearest the reference are kept first. A reference never points forward, and no
        link is made when another country is named right by it.
        """
        named = sorted(chosen)
        named_ends = [c[1] for c in named]
        taken = sorted((c[0], c[1]) for c in chosen)
        for s, e, kind in sorted(set(refs)):
            k = bisect.bisect_left(taken, (s, -1))
            if (k > 0 and taken[k - 1][1] > s) or (k < len(taken) and taken[k][0] < e):
                continue  # part of a name already linked
            if _REF_NAMED.match(folded, e) or _REF_NOT_A_LAW.match(folded, e):
                continue  # "the law on ..." starts a name the registry does not hold; "the act of ..."
            if folded.endswith("medida", s, e) and _REF_CONJUNCTION.match(folded, e):
                continue  # "a medida que": "as"
            if _REF_BEFORE.search(folded, max(0, s - 20), s) or _REF_NOT_REF.fullmatch(folded, s, e):
                continue  # "the rule of law", "above the law"; "Article 19" (the press-freedom group)
            if k < len(taken) and taken[k][0] - e <= 3 and not folded[e:taken[k][0]].strip(" \"'«“"):
                continue  # "в перечень иноагентов", "the list of undesirable organisations": part of that name
            o_e = e if starts is None else starts[e - 1] + 1
            after = _WORD.search(text, o_e)
            if after is not None and after.start() - o_e <= 1 and after.group()[:1].isupper():
                continue  # "the Law Enforcement ...": a capitalised name follows
            members = self.ref_kinds[kind]
            lo = bisect.bisect_left(named_ends, s - self.REF_WINDOW)
            hi = bisect.bisect_right(named_ends, s)
            before = [(c_s, c_e, idx) for c_s, c_e, idx in named[lo:hi] if idx in members]
            idx = self._pick_referent(before, s, e, ctx)
            if idx is None:
                continue
            if ctx.tight_other(s, e, {self.laws[idx].country_code}) or ctx.other_in_sentence(s, {self.laws[idx].country_code}):
                continue
            if kind == "list" and _REF_LIST_OF.match(folded, e):
                continue  # "в перечень террористов": a list the registry does not hold
            chosen.append((s, e, idx))
            taken.insert(k, (s, e))

    REF_APART = 100  # a law named last stands apart from the others when they are this far from it

    def _pick_referent(self, before: list[tuple[int, int, int]], s: int, e: int, ctx: "_Context") -> int | None:
        """The law a reference points back to, of the candidates named before it (see ``_add_references``)."""
        cands = {idx for _, _, idx in before}
        if len(cands) <= 1:
            return next(iter(cands)) if cands else None
        # Only the country named nearest before the reference (a law's own name counts as a cue).
        countries = {self.laws[i].country_code for i in cands}
        if len(countries) > 1:
            code = ctx.choose(s, e, countries)
            if code is None:
                code = ctx.hinted(s, e, countries)
            if code is not None:
                before = [b for b in before if self.laws[b[2]].country_code == code]
                cands = {idx for _, _, idx in before}
                if len(cands) == 1:
                    return next(iter(cands))
        last_s, last_e, last = max(before, key=lambda b: (b[1], b[0]))
        if all(idx == last or c_e <= last_s - self.REF_APART for c_s, c_e, idx in before):
            return last
        # Named close together: the law the text is about, if one stands out.
        return _most_named(idx for _, _, idx in before)

    def _share(self, h: _Hit, g: _Hit) -> None:
        """Give ``h`` the candidates of the shared phrases in ``g`` that include one of its laws."""
        for grp in g.groups:
            members = self.group_laws[grp]
            if any(i in members for i in h.cands):
                for i in members:
                    h.cands.setdefault(i, False)

    def _add_list_items(self, folded: str, items: list[tuple[int, int, int]],
                        chosen: list[tuple[int, int, int]]) -> None:
        """Link elliptical list members: "las leyes del odio, antifascista y antibloqueo".

        An item ("antifascista", "el bloqueo") counts only when it follows a plural or
        collective word for laws, or another linked mention of the same country, with
        nothing but articles, conjunctions and punctuation in between.
        """
        spans = sorted((c_s, c_e, self.laws[idx].country_code) for c_s, c_e, idx in chosen)
        span_starts = [c[0] for c in spans]
        for s, e, idx in sorted(set(items)):
            k = bisect.bisect_left(span_starts, e)
            if k > 0 and spans[k - 1][1] > s:
                continue  # inside or overlapping a linked mention
            country = self.laws[idx].country_code
            left = max(0, s - 100)
            anchor = -1
            while k > 0 and spans[k - 1][1] >= left:
                k -= 1
                if spans[k][2] == country and spans[k][1] <= s:
                    anchor = spans[k][1]
                    break
            for w in _LIST_HEAD.finditer(folded, left, s):
                anchor = max(anchor, w.end())
            if anchor < 0 or not _LIST_GAP.fullmatch(folded, anchor, s):
                continue
            chosen.append((s, e, idx))
            k = bisect.bisect_left(span_starts, s)
            spans.insert(k, (s, e, country))
            span_starts.insert(k, s)

    def _find_articles(self, folded: str) -> list[_Hit]:
        out: list[_Hit] = []
        for m in _ARTICLE_RE.finditer(folded):
            if m.group("num") is not None:
                head = _Hit(m.start(), m.end("num"), {}, set(), _canon_article(m.group("num")))
                out.append(head)
                if m.group("rest"):
                    for n in _NUM_RE.finditer(folded, m.start("rest"), m.end("rest")):
                        out.append(_Hit(n.start(), n.end(), {}, set(), _canon_article(n.group()), head))
            else:  # a number with its code ("280.3 УК", "УК 280.3") or a Russian ordinal ("280-й статье")
                num = next(m.group(g) for g in ("num2", "num3", "num4") if m.group(g) is not None)
                out.append(_Hit(m.start(), m.end(), {}, set(), _canon_article(num)))
        return [h for h in out if h.article in self.articles]

    def _resolve(self, hit: _Hit, ctx: "_Context") -> int | None:
        cands = hit.cands
        if len(cands) == 1:
            (idx, plain), = cands.items()
            if plain:
                return idx
        countries: dict[str, list[int]] = {}
        for idx in cands:
            countries.setdefault(self.laws[idx].country_code, []).append(idx)
        choice = ctx.country_for(hit.start, hit.end, set(countries))
        if choice is not None:
            options = countries[choice]
            plain = [i for i in options if cands[i]]
            return (plain or options)[0]
        if ctx.tight_other(hit.start, hit.end, set(countries)):
            return None
        plain = [i for i, p in cands.items() if p]
        return plain[0] if len(plain) == 1 else None

    def _resolve_article(self, hit: _Hit, folded: str, ctx: "_Context", heads: dict[int, int]) -> int | None:
        after = folded[hit.end:hit.end + 80]
        before = folded[max(0, hit.start - 40):hit.start]
        if _NOT_SPEECH_AFTER.match(after) or _NOT_SPEECH_BEFORE.search(before):
            return None
        cands = self.articles[hit.article]
        if hit.list_head is not None:
            head_idx = heads.get(id(hit.list_head))
            if head_idx is None:
                return None
            same = [i for i in cands if self.laws[i].country_code == self.laws[head_idx].country_code]
            return same[0] if same else None
        countries: dict[str, list[int]] = {}
        for idx in cands:
            countries.setdefault(self.laws[idx].country_code, []).append(idx)
        choice = ctx.country_for(hit.start, hit.end, set(countries))
        if choice is not None:
            return countries[choice][0]
        # A bare number is linked without a country only if it is distinctive ("207.3", "124A"):
        # plain numbers such as "105" exist in every criminal code.
        distinctive = not hit.article.isdigit()
        if distinctive and len(cands) == 1 and not ctx.other_within(hit.start, hit.end, set(countries), 300):
            window = folded[max(0, hit.start - 50):hit.end + 70]
            if _CODE_NEAR.search(window):
                return cands[0]
        return None


class _Context:
    """Country cues of one text, for resolving phrases that several countries share."""

    WINDOW = 5000  # cues further away than this are ignored
    AFTER_WEIGHT = 1.5  # a country named before a phrase usually qualifies it ("Russia's ...")
    # A country named this close to a phrase qualifies it ("Turkey's ...", "... de Turquía").
    TIGHT_BEFORE = 25
    TIGHT_AFTER = 8

    def __init__(self, cues: list[tuple[int, int, str]], folded: str, hint: str | None = None) -> None:
        self.hint = hint
        self.cues = cues
        self.starts = [c[0] for c in cues]
        self.folded = folded
        self.by_country: dict[str, list[tuple[int, int]]] = {}
        for c_s, c_e, code in cues:
            self.by_country.setdefault(code, []).append((c_s, c_e))

    def _nearest(self, code: str, start: int, end: int) -> float | None:
        """Weighted distance to the nearest cue of one country (0 inside the phrase), if within the window."""
        spans = self.by_country.get(code)
        if not spans:
            return None
        best: float | None = None
        k = bisect.bisect_left(spans, (start, -1))
        # Cues starting before the phrase: the closest ones are just left of k.
        for c_s, c_e in reversed(spans[max(0, k - 8):k]):
            if c_e > start:
                return 0.0  # overlaps the phrase
            gap = float(start - c_e)
            if gap <= self.WINDOW and (best is None or gap < best):
                best = gap
            break
        for c_s, c_e in spans[k:k + 8]:
            if c_s < end:
                return 0.0
            gap = c_s - end
            if gap > self.WINDOW or (best is not None and gap * self.AFTER_WEIGHT >= best):
                break
            if _POSSESSIVE.match(self.folded, c_e) and not _OF.fullmatch(self.folded, end, c_s):
                continue
            best = gap * self.AFTER_WEIGHT
            break
        return best

    def _around(self, start: int, end: int, before: int, after: int) -> Iterator[tuple[float, str]]:
        """Cues outside the span within ``before``/``after`` characters, as (weighted distance, country)."""
        for c_s, c_e, code in self._around_spans(start, end, before, after):
            yield (float(start - c_e) if c_e <= start else (c_s - end) * self.AFTER_WEIGHT), code

    def _around_spans(self, start: int, end: int, before: int, after: int) -> Iterator[tuple[int, int, str]]:
        """Cues outside the span within ``before``/``after`` characters, as (start, end, country)."""
        lo = bisect.bisect_left(self.starts, start - before - 200)
        hi = bisect.bisect_right(self.starts, end + after)
        for c_s, c_e, code in self.cues[lo:hi]:
            if c_s < end and start < c_e:
                # A country inside the phrase is part of its name ("the Russian law" in Georgia); when it is
                # a candidate ("la loi azerbaïdjanaise sur les médias") _nearest counts it instead.
                continue
            if c_e <= start:
                if start - c_e <= before:
                    yield c_s, c_e, code
            else:
                # "... law to Russia's ban": a possessive qualifies what follows it, not this phrase
                # (but "Article 112 of Thailand's Criminal Code" is qualified by it).
                if c_s - end > after:
                    continue
                if _POSSESSIVE.match(self.folded, c_e) and not _OF.fullmatch(self.folded, end, c_s):
                    continue
                yield c_s, c_e, code

    def choose(self, start: int, end: int, countries: set[str]) -> str | None:
        """The candidate country named nearest to the span, unless another country is named right by it."""
        best: tuple[float, str] | None = None
        for code in sorted(countries):
            dist = self._nearest(code, start, end)
            if dist is not None and (best is None or dist < best[0]):
                best = (dist, code)
        if best is None:
            return None
        for dist, code in self._around(start, end, self.TIGHT_BEFORE, self.TIGHT_AFTER):
            if _foreign(code, countries) and dist < best[0]:
                return None
        return best[1]

    def implicit(self, start: int, end: int, countries: set[str]) -> str | None:
        """Russia, for a Russian-language phrase in a text that names no country near it."""
        if "RU" not in countries:
            return None
        if not _CYRILLIC.search(self.folded, max(0, start - 20), end + 20):
            return None
        lo = bisect.bisect_left(self.starts, start - self.WINDOW - 200)
        hi = bisect.bisect_right(self.starts, end + self.WINDOW)
        return None if hi > lo else "RU"

    def country_for(self, start: int, end: int, countries: set[str]) -> str | None:
        """The candidate country of a span: named nearest (:meth:`choose`), else Russia for a
        Russian-language phrase in a text that names none (:meth:`implicit`), else the caller's
        hint (:meth:`hinted`)."""
        choice = self.choose(start, end, countries)
        if choice is None:
            choice = self.implicit(start, end, countries)
        if choice is None:
            choice = self.hinted(start, end, countries)
        return choice

    def hinted(self, start: int, end: int, countries: set[str]) -> str | None:
        """The caller's country (the outlet's), for a phrase whose own text names no candidate country.

        Only a fallback: :meth:`choose` and :meth:`implicit` come first, and the hint is not used when
        the hinted country is not a candidate or another country is named in the phrase's sentence or
        right by it ("la ley de ciberdelitos de El Salvador" from a Nicaraguan outlet)."""
        if self.hint is None or self.hint not in countries:
            return None
        if self.tight_other(start, end, countries) or self.other_in_sentence(start, countries):
            return None
        return self.hint

    def other_in_sentence(self, start: int, countries: set[str]) -> bool:
        """Whether a country outside ``countries`` is named earlier in the sentence that holds ``start``."""
        lo = bisect.bisect_left(self.starts, start - 300)
        for c_s, c_e, code in self.cues[lo:]:
            if c_e > start:
                break
            if _foreign(code, countries) and not _SENTENCE_END.search(self.folded, c_e, start):
                return True
        return False

    def tight_other(self, start: int, end: int, countries: set[str]) -> bool:
        """Whether a country outside ``countries`` is named right before or after the span, in its own
        sentence ("... the invasion of Ukraine. Under this article ..." leaves "this article" free)."""
        for c_s, c_e, code in self._around_spans(start, end, self.TIGHT_BEFORE, self.TIGHT_AFTER):
            if not _foreign(code, countries):
                continue
            lo, hi = (c_e, start) if c_e <= start else (end, c_s)
            if not _SENTENCE_END.search(self.folded, lo, hi):
                return True
        return False

    def other_within(self, start: int, end: int, countries: set[str], width: int) -> bool:
        return any(_foreign(code, countries) for _, code in self._around(start, end, width, width))


_SENTENCE_END = re.compile(r"[.!?]\s|\n")

#: Of several laws named, the one a text is about must be named at least this often and more often than
#: any other (references with candidates close together, implied links).
TOPIC_MIN = 2


def _most_named(named: Iterable[Any]) -> Any:
    """The one item of ``named`` (law ids or laws, one per mention), or of several the one named at least
    ``TOPIC_MIN`` times and more often than any other; ``None`` otherwise."""
    ranked = Counter(named).most_common(2)
    if len(ranked) < 2:
        return ranked[0][0] if ranked else None
    (top, n_top), (_, n_next) = ranked
    return top if n_top >= TOPIC_MIN and n_top > n_next else None

# Hong Kong's laws are often introduced by "Beijing imposed ...": a China cue does not rule them out.
_RELATED = {"HK": {"CN"}}


def _foreign(code: str, countries: set[str]) -> bool:
    return code not in countries and not any(code in _RELATED.get(c, ()) for c in countries)


# --------------------------------------------------------------------------- registry


class LawRegistry:
    """The registry of speech-restricting laws, loaded on first use.

    Iterating gives :class:`Law` objects in file order. Nothing is read until the
    registry is first used.

    Args:
        path: A ``laws.json`` file to load instead of the one shipped with pressctx.

    Example:
        >>> from pressctx.laws import laws
        >>> len(laws) >= 60
        True
        >>> [law.id for law in laws.by_country("SG")]
        ['sg-pofma', 'sg-fica']
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._laws: tuple[Law, ...] | None = None
        self._by_id: dict[str, Law] = {}
        self._data: dict[str, Any] | None = None
        self._linker: _Linker | None = None
        self._outlets: dict[str, str] | None = None

    def _load(self) -> tuple[Law, ...]:
        if self._laws is None:
            with self._lock:
                if self._laws is None:
                    if self._path is None:
                        raw = resources.files(__name__).joinpath(_DATA_FILE).read_text(encoding="utf-8")
                    else:
                        with open(self._path, encoding="utf-8") as f:
                            raw = f.read()
                    data = json.loads(raw)
                    items = tuple(_law_from_json(d) for d in data["laws"])
                    self._by_id = {law.id: law for law in items}
                    if len(self._by_id) != len(items):
                        raise ValueError(f"{_DATA_FILE}: duplicate law ids")
                    self._data = data
                    self._laws = items
                    logger.debug("loaded %d laws from %s", len(items), self._path or _DATA_FILE)
        return self._laws

    def _get_linker(self) -> _Linker:
        if self._linker is None:
            items = self._load()
            with self._lock:
                if self._linker is None:
                    assert self._data is not None
                    self._linker = _Linker(list(items), self._data)
        return self._linker

    def __iter__(self) -> Iterator[Law]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, law_id: object) -> bool:
        self._load()
        return law_id in self._by_id

    def __repr__(self) -> str:
        if self._laws is None:
            return "<LawRegistry (not loaded)>"
        return f"<LawRegistry: {len(self._laws)} laws, {len(self.countries())} countries>"

    def get(self, law_id: str) -> Law:
        """The law with this id.

        Args:
            law_id: A registry id such as ``"ru-foreign-agents-law"``.

        Returns:
            The :class:`Law`.

        Raises:
            UnknownLawError: (a ``KeyError``) if no law has this id; the message suggests
                close ids.

        Example:
            >>> laws.get("hk-national-security-law").year
            2020
        """
        self._load()
        try:
            return self._by_id[law_id]
        except (KeyError, TypeError):
            pass
        close = difflib.get_close_matches(str(law_id), list(self._by_id), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownLawError(
            f"no law with id {law_id!r} in the registry{hint} (list them with [law.id for law in pressctx.laws])"
        )

    def by_country(self, code: str) -> list[Law]:
        """The laws of one country or territory.

        Args:
            code: ISO 3166-1 alpha-2 code (case-insensitive) or the English country name.

        Returns:
            The matching laws in registry order; empty if there are none.

        Example:
            >>> [law.id for law in laws.by_country("sg")]
            ['sg-pofma', 'sg-fica']
        """
        if not isinstance(code, str):
            raise TypeError(f"code must be a str, got {type(code).__name__}")
        key = code.strip().casefold()
        return [law for law in self._load() if key in (law.country_code.casefold(), law.country.casefold())]

    def countries(self) -> dict[str, str]:
        """Country codes in the registry mapped to their names.

        Returns:
            ``{code: name}`` in registry order.
        """
        return {law.country_code: law.country for law in self._load()}

    def find(self, text: str, *, context: bool = False, country: str | None = None) -> list[LawMention]:
        """Registry laws named in ``text``; see :func:`find_laws`."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        hint = _country_code(country)
        if not text:
            return []
        return self._get_linker().find(text, context=bool(context), country=hint)

    def country_of_outlet(self, outlet: str) -> str | None:
        """The country of a news outlet, from its web address; see :func:`country_of_outlet`."""
        if not isinstance(outlet, str):
            raise TypeError(f"outlet must be a str, got {type(outlet).__name__}")
        self._load()
        assert self._data is not None
        if self._outlets is None:
            table: dict[str, str] = {}
            for code, country in self._data["countries"].items():
                for domain in country.get("outlets", ()):
                    table[domain.lower()] = code
            self._outlets = table
        host = _host(outlet)
        if not host:
            return None
        labels = host.split(".")
        for i in range(len(labels) - 1):  # the outlet itself, then the domains above it
            code = self._outlets.get(".".join(labels[i:]))
            if code is not None:
                return code
        tld = labels[-1]
        # A worldwide-used code still names its country under a national second level (".com.co", ".gov.ly").
        national = len(labels) >= 3 and labels[-2] in _NATIONAL_SECOND_LEVEL
        if len(tld) == 2 and tld.isalpha() and (tld not in _VANITY_TLDS or national):
            code = _TLD_COUNTRY.get(tld, tld.upper())
            if code in self._data["countries"]:
                return code
        return None


# Country-code top-level domains that outlets of many countries use (".io", ".tv", ".me" ...): not a country cue.
_VANITY_TLDS = frozenset({"ac", "ai", "cc", "co", "fm", "gg", "io", "la", "ly", "me", "nu", "sh", "to", "tv", "ws"})
# Second-level domains under which a country registry files its own organisations (".com.co", ".org.co").
_NATIONAL_SECOND_LEVEL = frozenset({"com", "org", "net", "gov", "gob", "edu", "mil", "ac", "co", "nom", "info"})
# Top-level domains that differ from the registry's ISO 3166 codes.
_TLD_COUNTRY = {"uk": "GB"}
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://")


def _host(outlet: str) -> str:
    """``"https://www.Confidencial.digital/x"`` -> ``"confidencial.digital"`` (no port, no ``www.``)."""
    host = _SCHEME.sub("", outlet.strip().lower())
    host = re.split(r"[/?#]", host, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    return host[4:] if host.startswith("www.") else host


def _country_code(country: object) -> str | None:
    """Validate a ``country=`` argument: ``None`` or a two-letter ISO 3166 code (any case)."""
    if country is None:
        return None
    if not isinstance(country, str):
        raise TypeError(f"country must be a two-letter code or None, got {type(country).__name__}")
    code = country.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValueError(f"country must be a two-letter ISO 3166 code such as 'NI', got {country!r}")
    return code


def _law_from_json(d: dict[str, Any]) -> Law:
    return Law(
        id=d["id"],
        name=d["name"],
        names=types.MappingProxyType({k: tuple(v) for k, v in d["names"].items()}),
        aliases=tuple(d.get("aliases", ())),
        articles=tuple(d.get("articles", ())),
        country_code=d["country"]["code"],
        country=d["country"]["name"],
        year=int(d["year"]),
        restricts=d["restricts"],
        source=d["source"],
    )


laws = LawRegistry()


def country_of_outlet(outlet: str) -> str | None:
    """The country of a news outlet, from its web address, as a hint for :func:`find_laws`.

    The registry lists the web domains of well-known outlets per country (``outlets`` in
    ``laws.json``; subdomains count: ``english.example.com`` is ``example.com``'s); otherwise a
    country-code top-level domain of a registry country gives it (``laprensa.com.ni`` -> ``"NI"``,
    ``.uk`` -> ``"GB"``), except domains used worldwide (``.io``, ``.tv``, ``.me``, ``.co`` ...)
    unless under a national second level (``example.com.co`` -> ``"CO"``).

    Args:
        outlet: A domain (``"meduza.io"``) or an address (``"https://www.elfaro.net/es/..."``).

    Returns:
        A two-letter code of a registry country, or ``None`` when the address does not tell.

    Raises:
        TypeError: if ``outlet`` is not a ``str``.

    Example:
        >>> country_of_outlet("https://www.laprensani.com/2024/01/01/nota")
        'NI'
        >>> country_of_outlet("https://www.bbc.com/mundo") is None
        True
    """
    return laws.country_of_outlet(outlet)


def find_laws(text: str, *, context: bool = False, country: str | None = None) -> list[LawMention]:
    """Find the registry laws named in a text.

    Names, short names and nicknames are matched regardless of case and accents and
    with light inflection (Russian case endings, plurals); code articles cited by number
    ("Article 207.3", "ст. 280.3 УК", "artículo 112") are linked when the text names the
    country, or when the number belongs to a single registry entry and a code is
    mentioned next to it. Laws that do not restrict speech (tax, oil, sanctions,
    amnesty ...) are not in the registry and are never returned.

    With ``context=True`` the text is read as **one document** (an article): a reference
    that leans on it ("the law", "the new legislation", "la norma", "la reforma",
    "a lei", "la loi", "этот закон") is linked to the law named before it in the same
    text: of the laws of the kind it names ("el decreto": a decree) named in the preceding
    few thousand characters, the only one, or the one named last when it stands apart
    from the others (same-country candidates first); never when another country is
    named right by it or earlier in its sentence. Pass one document per call: references never resolve across calls. Without
    ``context`` (the default) such references are not linked, as before.

    Args:
        text: Any text; an empty string gives an empty list.
        context: Read ``text`` as a whole document and resolve references to laws
            named earlier in it.
        country: The country the text comes from, as a two-letter code (for instance the
            outlet's: :func:`country_of_outlet`). A fallback cue only: it decides a phrase or
            an article number that several countries share, or one that needs its country
            named ("la Ley de Ciberdelitos", "el artículo 147"), when the text names none of
            the candidate countries near it and no other country in its sentence. A code the
            registry does not hold changes nothing.

    Returns:
        Mentions sorted by offset, not overlapping (the longest match wins), each with
        ``text[m.start:m.end] == m.text``.

    Raises:
        TypeError: if ``text`` is not a ``str``, or ``country`` neither ``None`` nor a ``str``.
        ValueError: if ``country`` is not a two-letter code.

    Example:
        >>> [(m.text, m.law.id) for m in find_laws("Detenido por la ley contra el odio.")]
        [('ley contra el odio', 've-law-against-hatred')]
        >>> doc = "Venezuela aprobó la ley contra el odio en 2017. La norma prevé penas de 20 años."
        >>> [(m.text, m.law.id) for m in find_laws(doc, context=True)]
        [('ley contra el odio', 've-law-against-hatred'), ('La norma', 've-law-against-hatred')]
    """
    return laws.find(text, context=context, country=country)


#: An implied link leans on the laws named this many characters before the passage.
IMPLIED_WINDOW = 3000


def implied_law(mentions: Sequence[LawMention], start: int, window: int = IMPLIED_WINDOW) -> Law | None:
    """The law a passage that names none is about, from the laws its document named before it.

    Meant for passages already known to speak of a law (a ``censorship_law`` segment of a tagged
    document: "The norm punishes ...", "Subscribers may get up to seven years"), which name no
    law of their own. The candidates are the laws of ``mentions`` (``find_laws(document,
    context=True)``) that end at or before ``start`` and start within ``window`` characters
    before it. One candidate is taken; of several, the one named at least ``TOPIC_MIN`` times
    and more often than any other (the law the article is about); otherwise none. Never a law named only after the passage, never across documents.

    Args:
        mentions: the document's law mentions (implied ones are ignored).
        start: offset of the passage in the document.
        window: how far back to look, in characters.

    Returns:
        The registry law, or ``None``.

    Example:
        >>> doc = "Parliament passed the foreign agents law. It punishes a missing label with jail."
        >>> implied_law(find_laws(doc, context=True), doc.index("It")).id
        'ru-foreign-agents-law'
    """
    return _most_named(m.law for m in mentions if not m.implied and m.end <= start and m.start >= start - window)
