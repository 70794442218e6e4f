from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressctx.segmentation import segment_text


def texts(t: str) -> list[str]:
    return [s.text for s in segment_text(t)]


def check_offsets(text: str, max_chars: int = 1000) -> None:
    segs = segment_text(text, max_chars=max_chars)
    pos = 0
    for s in segs:
        assert text[s.start : s.end] == s.text
        assert s.text and not s.text[0].isspace() and not s.text[-1].isspace()
        assert s.start >= pos
        assert text[pos : s.start].strip() == ""
        assert len(s.text) <= max_chars
        pos = s.end
    assert text[pos:].strip() == ""


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_offsets_arbitrary_unicode(text):
    check_offsets(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Dr.", "U.S.", "etc.", "3.5", " ", "\n", "\n\n", "*", "¿", "?", "!", "…", "“", "”",
                                 "«", "»", "word", "Word", ".", "EE.UU.", "https://a.b/c.d", "- ", "• ", "\t", "\u2028"]),
                max_size=60), st.integers(min_value=5, max_value=80))
def test_offsets_news_like_pieces(pieces, cap):
    check_offsets("".join(pieces), max_chars=cap)


def test_empty_and_whitespace():
    assert segment_text("") == []
    assert segment_text("  \n\t \n") == []


def test_type_error():
    with pytest.raises(TypeError, match="str"):
        segment_text(b"bytes")  # type: ignore[arg-type]


def test_paragraphs_and_lines():
    assert texts("First line\nSecond line\n\nThird paragraph.") == ["First line", "Second line", "Third paragraph."]


def test_english_abbreviations():
    assert texts("Dr. Smith met U.S. officials on Nov. 27 at 3 p.m. in Washington. They agreed.") == [
        "Dr. Smith met U.S. officials on Nov. 27 at 3 p.m. in Washington.",
        "They agreed.",
    ]
    assert texts("Law No. 5 passed. Mr. J. Ruiz voted, etc. Then he left.") == [
        "Law No. 5 passed.",
        "Mr. J. Ruiz voted, etc.",
        "Then he left.",
    ]


def test_spanish_abbreviations_and_marks():
    assert texts("El Sr. Pérez y la Sra. Gómez viajaron a EE.UU. ayer. ¿Volverán? ¡Sí! Dijo que sí.") == [
        "El Sr. Pérez y la Sra. Gómez viajaron a EE.UU. ayer.",
        "¿Volverán?",
        "¡Sí!",
        "Dijo que sí.",
    ]


def test_quotes_and_guillemets():
    assert texts("He said: “We will fight.” Then he left. «Basta», gritó. \"Done.\" Next.") == [
        "He said: “We will fight.”",
        "Then he left.",
        "«Basta», gritó.",
        "\"Done.\"",
        "Next.",
    ]


def test_ellipsis_decimals_dates_urls_emails():
    assert texts("Prices rose 3.5% on 12.03.2024... and then fell. See https://example.org/a.b or mail a.b@c.org. Done.") == [
        "Prices rose 3.5% on 12.03.2024... and then fell.",
        "See https://example.org/a.b or mail a.b@c.org.",
        "Done.",
    ]


def test_asterisk_note_is_its_own_segment():
    text = "The agency reported the news. *Read also: Government rejects the decree\nPost Views: 366"
    assert texts(text) == ["The agency reported the news.", "*Read also: Government rejects the decree", "Post Views: 366"]


def test_closing_note_sentences_split_after_closing_quote():
    text = "*Journalism is hard here, under the laws “against hate” and “against the blockade.” This text was written with care."
    assert texts(text) == [
        "*Journalism is hard here, under the laws “against hate” and “against the blockade.”",
        "This text was written with care.",
    ]


def test_bullets():
    assert texts("Key points:\n- one thing\n• another thing\n* a third") == [
        "Key points:", "- one thing", "• another thing", "* a third"
    ]


def test_long_sentence_is_capped():
    text = ", ".join(["a clause about the law"] * 200) + "."
    segs = segment_text(text, max_chars=300)
    assert len(segs) > 1
    assert all(len(s.text) <= 300 for s in segs)
    check_offsets(text, max_chars=300)
