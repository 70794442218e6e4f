"""Exceptions raised by pressctx.

Every exception is also a builtin, so ``except ValueError`` (or ``OSError``,
``KeyError``) keeps working for callers that do not import pressctx's types.
"""
from __future__ import annotations

__all__ = [
    "PressctxError",
    "DataError",
    "ConfigError",
    "ModelLoadError",
    "NotFittedError",
    "UnknownLawError",
]


class PressctxError(Exception):
    """Base class of every error pressctx raises on purpose."""


class DataError(PressctxError, ValueError):
    """A dataset or file does not have the expected columns, labels or types."""


class ConfigError(PressctxError, ValueError):
    """Training arguments or a configuration file are invalid."""


class ModelLoadError(PressctxError, OSError):
    """A model directory or base model cannot be found or read."""


class NotFittedError(PressctxError, ValueError, AttributeError):
    """An estimator was used before ``fit``."""


class UnknownLawError(PressctxError, KeyError):
    """A law id is not in the registry."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ""
