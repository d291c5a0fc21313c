"""Exception types for bad dataset, sampler and dataloader input.

Each class is the builtin type mmengine raises for the same mistake, so ``except KeyError`` (or
``TypeError``, ...) written against mmengine keeps working. Where mmengine only has an ``assert``,
the class is also an ``AssertionError``. KeyError subclasses print their message unquoted.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ConfigTypeError",
    "DataKeyError",
    "EmptyDatasetsError",
    "FetchError",
    "MissingConfigKeyError",
    "SubsetIndexError",
    "UnknownConfigKeyError",
    "UnknownNameError",
    "did_you_mean",
]


class _PlainKeyError(KeyError):
    """KeyError whose ``str()`` is the message itself, not its repr."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class MissingConfigKeyError(_PlainKeyError):
    """A required key (``sampler``, ``dataset``, ``type``) is absent from a config dict."""


class UnknownNameError(_PlainKeyError, TypeError, AssertionError):
    """A ``type`` name is not registered (mmengine: TypeError or an assert, depending on where)."""


class DataKeyError(_PlainKeyError, AssertionError):
    """An annotation lacks a key the dataset needs (mmengine asserts)."""


class ConfigTypeError(TypeError, AssertionError):
    """A config value has the wrong type (mmengine raises TypeError or asserts)."""


class UnknownConfigKeyError(TypeError):
    """A dataloader config key that ``torch.utils.data.DataLoader`` does not accept."""


class SubsetIndexError(IndexError, AssertionError):
    """An index given to ``get_subset`` is out of range (mmengine asserts)."""


class EmptyDatasetsError(ValueError, IndexError):
    """A wrapper got no datasets (mmengine fails with an IndexError)."""


class FetchError(RuntimeError):
    """The pipeline kept returning None (mmengine raises a bare ``Exception``)."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' suffix for ``name``, or '' when nothing is close."""
    close = difflib.get_close_matches(str(name), sorted(set(choices)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
