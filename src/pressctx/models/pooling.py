"""A multi-label head over the mean of an encoder's token vectors.

Sentence encoders such as all-MiniLM-L6-v2 are trained so that the mean of their
token vectors (not the [CLS] vector) carries the sentence's meaning; a linear
head on that mean starts from useful features and trains quickly on a CPU. It
wraps any ``transformers`` encoder (``AutoModel``), so other bases work too.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

__all__ = ["MeanPoolClassifier", "mean_pool"]


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token vectors ``hidden`` (batch, tokens, dim) where ``mask`` is 1."""
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)


class MeanPoolClassifier(nn.Module):
    """Encoder, attention-masked mean pooling, dropout, linear layer; sigmoid outputs.

    Args:
        encoder: a ``transformers`` encoder (``AutoModel``) returning ``last_hidden_state``.
        num_labels: output size.
        dropout: dropout before the linear layer.
        pool_first: average only the tokens of the first text of a pair (the segment),
            so that a second text (its neighbours) informs the result through attention
            without diluting the mean. Needs ``token_type_ids``.
        wide_size: if > 0, a linear layer over that many hashed n-gram buckets
            (:class:`~pressctx.models.ngrams.NgramHasher`) whose output is added to the logits;
            ``forward`` then takes ``ngram_ids`` and ``ngram_weights``.
        wide_dropout: share of n-gram features dropped per example while training.
    """

    #: Prefix of the encoder's parameters in ``state_dict`` keys.
    base_model_prefix = "encoder"

    def __init__(
        self,
        encoder: nn.Module,
        num_labels: int,
        dropout: float = 0.1,
        pool_first: bool = False,
        wide_size: int = 0,
        wide_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.pool_first = pool_first
        self.encoder = encoder
        self.config = encoder.config
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(encoder.config.hidden_size, num_labels)
        self.wide = None
        self.wide_dropout = wide_dropout
        if wide_size > 0:
            self.wide = nn.EmbeddingBag(wide_size, num_labels, mode="sum")
            nn.init.zeros_(self.wide.weight)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def get_input_embeddings(self) -> nn.Module:
        return self.encoder.get_input_embeddings()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        ngram_ids: torch.Tensor | None = None,
        ngram_weights: torch.Tensor | None = None,
        **_: Any,
    ) -> dict[str, torch.Tensor]:
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**kwargs).last_hidden_state
        return self.head(hidden, attention_mask, token_type_ids, labels, ngram_ids, ngram_weights)

    def head(
        self,
        hidden: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        ngram_ids: torch.Tensor | None = None,
        ngram_weights: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """Everything after the encoder: pooling, the linear layer, the n-gram logits, the loss.

        ``hidden`` is the encoder's last hidden state, from this module's encoder or from the same
        encoder run elsewhere (ONNX Runtime, :mod:`pressctx.models.onnx`).
        """
        mask = attention_mask
        if self.pool_first and token_type_ids is not None:
            mask = mask * (token_type_ids == 0)
        pooled = mean_pool(hidden, mask)
        logits = self.classifier(self.dropout(pooled))
        if self.wide is not None:
            if ngram_ids is None or ngram_weights is None:
                raise ValueError("this model has an n-gram layer: pass ngram_ids and ngram_weights")
            weights = ngram_weights.to(self.wide.weight.dtype)
            if self.training and self.wide_dropout > 0:
                weights = nn.functional.dropout(weights, self.wide_dropout)
            logits = logits + self.wide(ngram_ids, per_sample_weights=weights).to(logits.dtype)
        out = {"logits": logits}
        if labels is not None:
            out["loss"] = nn.functional.binary_cross_entropy_with_logits(logits.float(), labels.float())
        return out
