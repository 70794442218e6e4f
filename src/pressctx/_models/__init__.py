"""Models shipped with pressctx: the fine-tuned MiniLM transformer (default), the fine-tuned multilingual-e5-small transformer and the scikit-learn baseline."""
