"""Show what the shipped default model flags in stored page excerpts (hard-negative mining).

Usage:
    python corpus/real/flag_excerpt.py EXCERPT.txt [...]

Each excerpt file's first line is the page's address, the rest the page's stored text.
Every sentence is printed with the labels the current default model gives it, one line
each, ``*`` in front of flagged ones. A flagged sentence that a careful reader labels
negative becomes a mined hard negative (``"mined": true`` on its paraphrased row).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pressctx
from pressctx.segmentation import segment_text


def main(paths: list[str]) -> int:
    tagger = pressctx.load()
    for path in paths:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        body = "\n".join(lines[1:])
        sentences = [span.text for span in segment_text(body)]
        print(f"== {path} ({lines[0] if lines else ''}): {len(sentences)} sentences")
        if not sentences:
            continue
        for sentence, labels in zip(sentences, tagger.predict(sentences)):
            mark = "*" if labels else " "
            print(f"{mark} [{','.join(labels)}] {sentence}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
