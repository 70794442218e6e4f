"""Saved web pages: the article's main text with its notes, and the page's metadata.

trafilatura finds the main text. Outlets put their press notes (a closing note in
italics, the mandated foreign-agent plate above the headline, a mirror/VPN notice
in an aside) in blocks that boilerplate removers cut, and none of trafilatura's
options keeps them (``favor_recall`` included; see docs/usage.md). So after
extraction the page's remaining text blocks in the article's region are read
again, boilerplate (navigation, related lists, cookie banners, share bars,
counters, page header and footer) is ruled out, and the blocks left are put back
where they stood in the page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["ExtractedPage", "extract_html", "tag_html", "EXTRACT_OPTIONS"]

#: The options pressctx passes to ``trafilatura.bare_extraction``.
EXTRACT_OPTIONS: dict[str, Any] = {
    "include_comments": False,  # reader comments are not the outlet's text
    "include_tables": True,
    "deduplicate": False,  # a note repeated on every page of a site is what we look for
    "with_metadata": True,
}

_BLOCK_TAGS = frozenset(
    "p div aside section footer header blockquote li h1 h2 h3 h4 h5 h6 article main td dd dt "
    "figcaption pre ul ol table form nav figure details".split()
)
_SKIP_TAGS = frozenset("script style noscript template svg button select input textarea iframe".split())
# class/id words of blocks that are never part of an article's text.
_BOILERPLATE = re.compile(
    r"(?:^|[\s_\-])(?:cookies?|consent|gdpr|related|recommend\w*|share|sharing|social|newsletter|subscribe|"
    r"subscription|comments?|breadcrumbs?|tags?|menu|nav|navigation|sidebar|widget|popular|most|trending|"
    r"advert\w*|ads?|promo|views?|counter|copyright|meta|byline|rubric|logo|branding|"
    r"site-info|paywall|login|signup|modal|popup)(?:$|[\s_\-])",
    re.IGNORECASE,
)
_MIN_WORDS = 6


@dataclass(frozen=True)
class ExtractedPage:
    """The main text of a page and what the page says about itself.

    Attributes:
        text: the article's text, one block a line; notes recovered from outside
            trafilatura's main text are in it, in page order.
        title: the page's title, or ``None``.
        date: publication date (``YYYY-MM-DD``), or ``None``.
        url: the page's address (the ``url`` given, else its canonical link), or ``None``.
        sitename: the outlet's name, or ``None``.
        recovered: ``(start, end)`` offsets in ``text`` of the blocks pressctx put
            back after trafilatura's extraction.
    """

    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    sitename: str | None = None
    recovered: tuple[tuple[int, int], ...] = ()

    def metadata(self) -> dict[str, Any]:
        """The fields a :class:`~pressctx.TagResult` carries as ``metadata`` (unset ones left out)."""
        out: dict[str, Any] = {
            k: v for k, v in (("title", self.title), ("date", self.date), ("url", self.url), ("sitename", self.sitename))
            if v
        }
        out["source"] = "html"
        out["recovered"] = [list(r) for r in self.recovered]
        return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def _own_text(el: Any) -> str:
    return _norm(el.text_content())


def _is_boilerplate(el: Any, region: Any) -> bool:
    """Whether ``el`` or an ancestor below ``region``'s parent is page furniture."""
    node = el
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("nav", "form") or node.get("role") in ("navigation", "banner", "dialog", "alertdialog", "complementary"):
            return True
        if tag in ("header", "footer") and not any(a.tag == "article" for a in node.iterancestors()):
            return True  # the page's own header and footer; an article's footer may hold its note
        names = f"{node.get('class', '')} {node.get('id', '')}"
        if names.strip() and _BOILERPLATE.search(names):
            return True
        if node is region:
            break
        node = node.getparent()
    return False


def _link_density(el: Any, text: str) -> float:
    linked = sum(len(_norm(a.text_content())) for a in el.iter("a"))
    return linked / max(len(text), 1)


def _leaf_blocks(root: Any) -> list[Any]:
    leaves = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag not in _BLOCK_TAGS:
            continue
        if any(isinstance(d.tag, str) and d.tag in _BLOCK_TAGS for d in el.iterdescendants()):
            continue
        leaves.append(el)
    return leaves


def _region(matched: list[Any], root: Any) -> Any:
    """The part of the page the article lives in: its ``main``, else its ``article``, else around its text."""
    if not matched:
        return root
    common = set(matched[0].iterancestors())
    for el in matched[1:]:
        common &= set(el.iterancestors())
    for tag in ("main", "article"):
        for anc in matched[0].iterancestors():
            if anc in common and (anc.tag == tag or (tag == "main" and anc.get("role") == "main")):
                return anc
    lca = next((a for a in matched[0].iterancestors() if a in common), root)
    # One level up: a note block often sits right next to the content's container.
    parent = lca.getparent()
    return parent if parent is not None and parent.tag not in ("body", "html") else lca


def extract_html(html: str | bytes, url: str | None = None, recover_notes: bool = True) -> ExtractedPage:
    """Extract the article text and metadata of a saved web page.

    Args:
        html: the page's HTML.
        url: the page's address, if known (used for metadata and relative links).
        recover_notes: put back note blocks that trafilatura's extraction left out
            (``False`` gives trafilatura's main text with pressctx's options alone).

    Returns:
        An :class:`ExtractedPage`; its ``text`` is ``""`` when the page has no main text.

    Raises:
        TypeError: if ``html`` is not a ``str`` or ``bytes``.

    Example:
        >>> page = extract_html(open("page.html").read())  # doctest: +SKIP
        >>> page.title, page.sitename  # doctest: +SKIP
    """
    import lxml.html
    import trafilatura

    if not isinstance(html, (str, bytes)):
        raise TypeError(f"html must be a str or bytes, got {type(html).__name__}")
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        return ExtractedPage("", url=url)
    doc = trafilatura.bare_extraction(html, url=url, **EXTRACT_OPTIONS)
    main = (doc.text or "") if doc is not None else ""
    lines = [ln.strip() for ln in main.split("\n") if ln.strip()]
    meta = {
        "title": getattr(doc, "title", None),
        "date": getattr(doc, "date", None),
        "url": url or getattr(doc, "url", None),
        "sitename": getattr(doc, "sitename", None),
    }
    if not recover_notes:
        return ExtractedPage("\n".join(lines), **meta)
    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ExtractedPage("\n".join(lines), **meta)
    lxml.etree.strip_elements(root, *_SKIP_TAGS, lxml.etree.Comment, with_tail=False)
    norm_lines = [_norm(ln) for ln in lines]
    joined = "\n".join(norm_lines)
    blocks = [(el, _own_text(el)) for el in _leaf_blocks(root)]
    blocks = [(el, t) for el, t in blocks if t]
    anchors = {el for el, t in blocks if len(t.split()) >= _MIN_WORDS and t in joined}
    region = _region([el for el, _ in blocks if el in anchors], root)
    in_region = set(region.iter())
    # Insert each recovered block after the line of the last anchor before it in the page.
    inserts: dict[int, list[str]] = {}
    after = -1
    for el, t in blocks:
        if el in anchors:
            after = next((i for i, ln in enumerate(norm_lines) if t in ln), after)
            continue
        if (
            el not in in_region
            or t in joined
            or len(t.split()) < _MIN_WORDS
            or el.tag in ("li", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "nav", "form")
            or _link_density(el, t) > 0.3
            or _is_boilerplate(el, region)
        ):
            continue
        inserts.setdefault(after, []).append(t)
    out: list[str] = []
    recovered: list[tuple[int, int]] = []

    def add(line: str, note: bool) -> None:
        start = sum(len(x) + 1 for x in out)
        out.append(line)
        if note:
            recovered.append((start, start + len(line)))

    for t in inserts.get(-1, []):
        add(t, True)
    for i, line in enumerate(lines):
        add(line, False)
        for t in inserts.get(i, []):
            add(t, True)
    return ExtractedPage("\n".join(out), recovered=tuple(recovered), **meta)


def tag_html(html: str | bytes, url: str | None = None, tagger: Any = None) -> Any:
    """Tag a saved web page: its main text, notes kept, with the page's metadata.

    Args:
        html: the page's HTML.
        url: the page's address, if known.
        tagger: the tagger (default: :func:`pressctx.load`).

    Returns:
        A :class:`~pressctx.TagResult` over the extracted text (offsets into
        ``result.text``) with ``metadata``: ``title``, ``date``, ``url``, ``sitename``
        where the page has them, ``source`` (``"html"``) and ``recovered`` (offsets of
        the note blocks put back after trafilatura's extraction). With an address whose
        outlet's country is known (:func:`~pressctx.lawlinking.country_of_outlet`), that
        country is the law linker's fallback cue for ``span.laws`` ("la Ley de Ciberdelitos"
        on a Nicaraguan outlet's page that never names Nicaragua).

    Raises:
        TypeError: if ``html`` is not a ``str`` or ``bytes``.

    Example:
        >>> result = pressctx.tag_html(open("page.html").read(), url="https://example.org/a")  # doctest: +SKIP
        >>> result.labels, result.metadata["sitename"]  # doctest: +SKIP
    """
    if tagger is None:
        from .. import load

        tagger = load()
    page = extract_html(html, url=url)
    from ..results import relink_laws_for_address

    return with_page(relink_laws_for_address(tagger.tag(page.text), page.url), page)


def with_page(result: Any, page: ExtractedPage) -> Any:
    """``result`` with the page's metadata attached."""
    import dataclasses

    return dataclasses.replace(result, metadata=page.metadata())
