"""Taggers: the shared interface (``base``), the fine-tuned transformer, the scikit-learn
baseline, and the building blocks and base encoders they use."""
