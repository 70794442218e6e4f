"""Models shipped with pressctx (the fine-tuned transformer and the scikit-learn baseline)."""
