"""Result types: frozen, with character offsets into the tagged text, JSON-ready."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .lawlinking import LawMention

__all__ = ["Segment", "Span", "TagResult", "StripResult", "build_result"]


def _round(x: float) -> float:
    return round(float(x), 4)


@dataclass(frozen=True)
class Segment:
    """One sentence-like unit of a document with its scores.

    Attributes:
        start: offset of the first character in the document.
        end: offset after the last character; ``doc[start:end] == text``.
        text: the segment's text.
        labels: labels whose score reached the model's threshold.
        scores: ``{label: score}`` for every label of the model, in [0, 1].
        stage: which part of the model decided the segment: ``"transformer"``,
            ``"baseline"``, or ``"screen"`` when a cascade's cheap first pass ruled it
            out (its scores are then the screen's, kept below the thresholds).
    """

    start: int
    end: int
    text: str
    labels: tuple[str, ...]
    scores: dict[str, float] = field(hash=False)
    stage: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "labels": list(self.labels),
            "scores": {k: _round(v) for k, v in self.scores.items()},
        }
        if self.stage is not None:
            out["stage"] = self.stage
        return out


@dataclass(frozen=True)
class Span:
    """A maximal run of adjacent segments that share a label.

    Attributes:
        start: offset of the run's first character.
        end: offset after the run's last character.
        label: the shared label.
        text: ``doc[start:end]``.
        score: the highest segment score for ``label`` in the run.
        laws: for ``censorship_law`` spans, the registry laws named in the span
            (offsets relative to the document); empty otherwise.
    """

    start: int
    end: int
    label: str
    text: str
    score: float
    laws: tuple[LawMention, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "text": self.text,
            "score": _round(self.score),
        }
        if self.label == "censorship_law":
            out["laws"] = [m.to_dict() for m in self.laws]
        return out


@dataclass(frozen=True)
class StripResult:
    """A text with some spans removed.

    Attributes:
        text: the text without the removed spans; where a span sat between two pieces
            of text one gap is kept (a line break if there was one), so words neither run
            together nor leave double spaces.
        removed: the removed spans, with offsets into the original text.
    """

    text: str
    removed: tuple[Span, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"text": self.text, "removed": [s.to_dict() for s in self.removed]}


@dataclass(frozen=True)
class TagResult:
    """The tags of one document.

    Attributes:
        text: the document as given.
        labels: document labels (a document carries a label if any segment does).
        scores: ``{label: document score}``, the highest segment score per label.
        segments: every segment, in order.
        spans: merged runs of adjacent segments sharing a label, ordered by start.
        metadata: where the text came from, or ``None``: for a web page
            (:func:`pressctx.tag_html`) its ``title``, ``date``, ``url`` and ``sitename``
            where it has them; ``text`` is then the extracted text.
    """

    text: str
    labels: tuple[str, ...]
    scores: dict[str, float] = field(hash=False)
    segments: tuple[Segment, ...] = ()
    spans: tuple[Span, ...] = ()
    metadata: dict[str, Any] | None = field(default=None, hash=False, compare=False)

    def to_dict(self, include_text: bool = False) -> dict[str, Any]:
        """JSON-ready form.

        Args:
            include_text: also include the full document text.

        Returns:
            A dict of plain Python types.
        """
        out: dict[str, Any] = {
            "labels": list(self.labels),
            "scores": {k: _round(v) for k, v in self.scores.items()},
            "segments": [s.to_dict() for s in self.segments],
            "spans": [s.to_dict() for s in self.spans],
        }
        if include_text:
            out = {"text": self.text, **out}
        if self.metadata is not None:
            out["metadata"] = dict(self.metadata)
        return out

    def strip(self, labels: Iterable[str] = ("disclaimer",)) -> StripResult:
        """The text without the spans of the chosen labels.

        Args:
            labels: labels whose spans are removed. Overlapping spans of several
                labels are removed once.

        Returns:
            A :class:`StripResult` with the remaining text and the removed spans.

        Example:
            >>> result.strip(labels=("disclaimer",)).text  # doctest: +SKIP
        """
        if isinstance(labels, str):
            raise TypeError("labels must be a sequence of label names, not a str; use (label,)")
        wanted = set(labels)
        removed = tuple(s for s in self.spans if s.label in wanted)
        cuts: list[tuple[int, int]] = []
        for s in sorted(removed, key=lambda s: (s.start, s.end)):
            if cuts and s.start <= cuts[-1][1]:
                cuts[-1] = (cuts[-1][0], max(cuts[-1][1], s.end))
            else:
                cuts.append((s.start, s.end))
        pieces: list[str] = []
        pos = 0
        for a, b in cuts:
            pieces.append(self.text[pos:a])
            pos = b
        pieces.append(self.text[pos:])
        text = ""
        for piece in pieces:
            if text and piece:
                if text[-1].isspace() and piece[0].isspace():
                    text = text.rstrip(" \t")  # one gap, keeping a line break that follows
                elif not text[-1].isspace() and not piece[0].isspace():
                    text += " "
            text += piece
        return StripResult(text=text.strip(), removed=removed)


def build_result(
    text: str,
    segments: Sequence[tuple[int, int, str]],
    probs: Any,
    labels: Sequence[str],
    thresholds: Sequence[float],
    link_laws: bool = True,
    stages: Sequence[str] | None = None,
) -> TagResult:
    """Build a :class:`TagResult` from segment offsets and a score matrix.

    Args:
        text: the document.
        segments: ``(start, end, text)`` per segment.
        probs: array of shape ``(len(segments), len(labels))``.
        labels: label names (columns of ``probs``).
        thresholds: one decision threshold per label.
        link_laws: look up registry laws in ``censorship_law`` spans. The whole document is
            linked once with ``find_laws(text, context=True)``, so a span that refers back to a
            law named earlier in the document ("the law", "la norma") gets that law; each span
            keeps the mentions that start inside it, and each of its segments that names no law
            gets the law the document is about there, if one stands out
            (:func:`~pressctx.lawlinking.implied_law`, a mention with ``implied=True``).
        stages: which stage decided each segment (see :attr:`Segment.stage`).

    Returns:
        The document's result.
    """
    from .lawlinking import LawMention, find_laws

    doc_mentions: list[LawMention] | None = None
    segs: list[Segment] = []
    if stages is None:
        stages = [None] * len(segments)
    for (start, end, seg_text), row, stage in zip(segments, probs, stages):
        scores = {lab: float(p) for lab, p in zip(labels, row)}
        on = tuple(lab for lab, p, t in zip(labels, row, thresholds) if p >= t)
        segs.append(Segment(start, end, seg_text, on, scores, stage))
    doc_scores = {lab: max((s.scores[lab] for s in segs), default=0.0) for lab in labels}
    doc_labels = tuple(lab for lab in labels if any(lab in s.labels for s in segs))
    spans: list[Span] = []
    for lab in labels:
        run: list[Segment] = []
        for seg in [*segs, None]:
            if seg is not None and lab in seg.labels:
                run.append(seg)
                continue
            if run:
                start, end = run[0].start, run[-1].end
                laws: tuple[LawMention, ...] = ()
                if link_laws and lab == "censorship_law":
                    if doc_mentions is None:
                        doc_mentions = find_laws(text, context=True)
                    laws = _span_laws(text, doc_mentions, run)
                spans.append(Span(start, end, lab, text[start:end], max(s.scores[lab] for s in run), laws))
                run = []
    spans.sort(key=lambda s: (s.start, s.end, s.label))
    return TagResult(text, doc_labels, doc_scores, tuple(segs), tuple(spans))


def _inside(mentions: Sequence[Any], start: int, end: int) -> tuple[Any, ...]:
    """The law mentions that start inside ``[start, end)``."""
    return tuple(m for m in mentions if start <= m.start < end)


def _span_laws(text: str, mentions: Sequence[Any], run: Sequence[Any]) -> tuple[Any, ...]:
    """The laws of a ``censorship_law`` span made of the segments ``run``: the mentions that start
    inside it, and for each segment that names no law, the law its document is about there
    (an implied mention over that segment, so each segment of the span can be counted)."""
    from .lawlinking import LawMention, implied_law

    laws = list(_inside(mentions, run[0].start, run[-1].end))
    for seg in run:
        if _inside(mentions, seg.start, seg.end):
            continue
        law = implied_law(mentions, seg.start)
        if law is not None:
            laws.append(LawMention(seg.start, seg.end, text[seg.start:seg.end], law, implied=True))
    laws.sort(key=lambda m: (m.start, m.end))
    return tuple(laws)


def relink_laws(result: TagResult, country: str | None) -> TagResult:
    """``result`` with the laws of its ``censorship_law`` spans linked again, given the text's country.

    :func:`~pressctx.lawlinking.find_laws` is run once over the document with ``context=True`` and
    ``country`` as the fallback cue (for instance the outlet's, from
    :func:`~pressctx.lawlinking.country_of_outlet`); labels, scores and offsets are unchanged.
    ``country=None`` returns ``result`` as it is.
    """
    if country is None or not any(sp.label == "censorship_law" for sp in result.spans):
        return result
    import dataclasses

    from .lawlinking import find_laws

    mentions = find_laws(result.text, context=True, country=country)
    spans = tuple(
        dataclasses.replace(sp, laws=_span_laws(
            result.text, mentions, [s for s in result.segments if sp.start <= s.start < sp.end]))
        if sp.label == "censorship_law" else sp
        for sp in result.spans
    )
    return dataclasses.replace(result, spans=spans)


def relink_laws_for_address(result: TagResult, address: str | None) -> TagResult:
    """:func:`relink_laws` with the country of the outlet at ``address`` (a URL or domain), if it tells."""
    if not address:
        return result
    from .lawlinking import country_of_outlet

    return relink_laws(result, country_of_outlet(address))
