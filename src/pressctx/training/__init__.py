"""Training: the transformer trainer and its arguments, the baseline's training, threshold
tuning, cross-lingual alignment and model cards."""
