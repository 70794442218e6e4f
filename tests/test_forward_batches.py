"""Transformer scoring on CPU runs in forward passes of at most CPU_FORWARD_BATCH segments."""
from __future__ import annotations

import numpy as np

from pressctx.models.transformer import CPU_FORWARD_BATCH


def test_tag_many_runs_cpu_passes_of_at_most_the_cap_and_scores_do_not_depend_on_it(tiny_tagger):
    docs = [" ".join(f"Sentence {i} of document {d} reports on the courts." for i in range(9)) for d in range(8)]
    sizes = []
    forward = tiny_tagger.model.forward

    def counting(*args, **kwargs):
        sizes.append(int(kwargs["input_ids"].shape[0]))
        return forward(*args, **kwargs)

    tiny_tagger.model.forward = counting
    try:
        capped = [r.to_dict() for r in tiny_tagger.tag_many(docs, batch_size=64)]
    finally:
        del tiny_tagger.model.forward
    assert sum(sizes) == sum(len(r["segments"]) for r in capped) == 72
    assert max(sizes) == CPU_FORWARD_BATCH < 64
    one_by_one = [tiny_tagger.tag(d).to_dict() for d in docs]
    for a, b in zip(capped, one_by_one):
        np.testing.assert_allclose([list(s["scores"].values()) for s in a["segments"]],
                                   [list(s["scores"].values()) for s in b["segments"]], atol=1e-5)
