"""Exceptions raised for bad configs.

Every class derives from :class:`ConfigError` *and* from the builtin type mmengine raises in
the same situation, so ``except KeyError`` (or ``TypeError``, ``RuntimeError``...) written
against mmengine keeps catching mmlight's errors.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from typing import Any

import yaml

__all__ = [
    "ConfigAttributeError",
    "ConfigBaseModuleNotFoundError",
    "ConfigCycleError",
    "ConfigError",
    "ConfigExecutionError",
    "ConfigExternalBaseError",
    "ConfigFileNotFoundError",
    "ConfigFormatError",
    "ConfigImportError",
    "ConfigIsADirectoryError",
    "ConfigJSONError",
    "ConfigKeyError",
    "ConfigModuleNotFoundError",
    "ConfigParsingError",
    "ConfigSyntaxError",
    "ConfigTypeError",
    "ConfigUnsupportedError",
    "ConfigValueError",
    "ConfigYAMLError",
    "DictActionError",
    "did_you_mean",
    "execution_error",
]


def did_you_mean(name: object, candidates: Iterable[object], limit: int = 3) -> str:
    """Return a ``" Did you mean ...?"`` hint (or a short list of valid names), or ``""``."""
    names = sorted({str(c) for c in candidates})
    if not names:
        return ""
    close = difflib.get_close_matches(str(name), names, n=limit, cutoff=0.6)
    if close:
        return " Did you mean " + " or ".join(repr(c) for c in close) + "?"
    shown = ", ".join(repr(n) for n in names[:12])
    more = f", ... ({len(names) - 12} more)" if len(names) > 12 else ""
    return f" Valid names: {shown}{more}."


class ConfigError(Exception):
    """Base class of every error raised for a bad config or bad config input.

    ``key``/``candidates`` add a "did you mean" hint; it is computed only when the message
    is rendered, because ``hasattr`` and ``try: d[k]`` probes raise often and never read it.
    """

    key: object = None
    candidates: list[object]
    #: "<file>, line <n>: <source line>" of the config statement that raised, if known
    config_location: str | None = None

    def __str__(self) -> str:
        text = str(self.args[0]) if self.args else ""
        candidates = getattr(self, "candidates", None)
        if self.key is not None and candidates:
            text += did_you_mean(self.key, candidates)
        if self.config_location:
            text += f" (in {self.config_location})"
        return text

    def with_hint(self, key: object, candidates: Iterable[object]) -> ConfigError:
        """Attach the name that was not found and the names that exist."""
        self.key = key
        self.candidates = list(candidates)
        return self


class ConfigKeyError(ConfigError, KeyError):
    """A key that does not exist, or may not be used (mmengine raises ``KeyError``)."""


class ConfigAttributeError(ConfigError, AttributeError):
    """Attribute access to a key a ``ConfigDict`` does not have."""


class ConfigTypeError(ConfigError, TypeError):
    """A value of the wrong type (e.g. a child dict over a base list)."""


class ConfigValueError(ConfigError, ValueError):
    """A value that cannot be used as written."""


class ConfigFileNotFoundError(ConfigError, FileNotFoundError):
    """A config file, or a ``_base_`` it names, does not exist."""


class ConfigIsADirectoryError(ConfigError, IsADirectoryError):
    """A directory was given where a config file was expected."""


class ConfigFormatError(ConfigError, OSError):
    """A file extension mmlight cannot load (mmengine raises ``OSError``)."""


class ConfigParsingError(ConfigError, RuntimeError):
    """A pure-Python ("lazy") config uses syntax the loader cannot handle, or mixes styles."""


class ConfigBaseModuleNotFoundError(ConfigParsingError, FileNotFoundError):
    """A ``with read_base():`` import names a config file that does not exist."""


class ConfigUnsupportedError(ConfigError, NotImplementedError):
    """A config feature mmlight deliberately does not implement (e.g. ``pkg::`` bases)."""


class ConfigExternalBaseError(ConfigUnsupportedError, ModuleNotFoundError):
    """A ``package::path`` base that cannot be used: the package is not installed (mmengine
    raises ``ModuleNotFoundError`` there) or the name is not written ``package::path``."""


class ConfigCycleError(ConfigError, RecursionError):
    """Configs inherit from each other in a loop (mmengine recurses until it crashes)."""


class ConfigImportError(ConfigError, ImportError):
    """An import a config asked for failed."""


class ConfigModuleNotFoundError(ConfigImportError, ModuleNotFoundError):
    """The module a lazy import names cannot be found."""


class ConfigSyntaxError(ConfigError, SyntaxError):
    """A ``.py`` config is not valid Python; the message names file, line and the line."""

    def __init__(
        self,
        message: str,
        filename: str | None = None,
        lineno: int | None = None,
        offset: int | None = None,
        text: str | None = None,
    ):
        super().__init__(message)
        # Fill SyntaxError's fields so tracebacks can point at the offending column.
        self.msg = message
        self.filename = filename
        self.lineno = lineno
        self.offset = offset
        self.text = text

    def __str__(self) -> str:
        return self.msg


class ConfigJSONError(ConfigError, json.JSONDecodeError):
    """A ``.json`` config does not parse."""

    def __init__(self, message: str, doc: str = "", pos: int = 0):
        json.JSONDecodeError.__init__(self, message, doc, pos)
        self.args = (message,)

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.args[0], self.doc, self.pos))


class ConfigYAMLError(ConfigError, yaml.YAMLError):
    """A ``.yaml``/``.yml`` config does not parse."""


class DictActionError(ConfigError, ValueError, AssertionError):
    """A ``--cfg-options`` value cannot be parsed.

    Also an ``AssertionError`` because mmengine signals unbalanced brackets with ``assert``.
    """


class ConfigExecutionError(ConfigError):
    """A ``.py`` config raised while it ran; the message names the file, line and error.

    :func:`execution_error` returns an instance of a subclass that also derives from the
    type the config raised, so ``except NameError`` written against mmengine (which lets the
    original error through) keeps catching it.
    """

    #: the exception the config raised (also the ``__cause__``)
    original: BaseException | None = None


_EXECUTION_CLASSES: dict[type[BaseException], type[ConfigExecutionError]] = {}


def _execution_class(kind: type[BaseException]) -> type[ConfigExecutionError]:
    cls = _EXECUTION_CLASSES.get(kind)
    if cls is None:
        try:
            cls = type(f"{kind.__name__}InConfig", (ConfigExecutionError, kind), {})
            cls.__module__ = __name__
        except TypeError:  # a base with an incompatible instance layout
            cls = ConfigExecutionError
        _EXECUTION_CLASSES[kind] = cls
    return cls


def execution_error(original: BaseException, message: str) -> ConfigExecutionError:
    """A :class:`ConfigExecutionError` carrying ``message`` that is also ``type(original)``,
    or its nearest base whose constructor takes a message alone (``json.JSONDecodeError``
    wants more: its error is a ``ValueError``)."""
    for kind in type(original).__mro__:
        if not issubclass(kind, Exception):
            break
        try:
            error = _execution_class(kind)(message)
        except Exception:
            continue
        error.original = original
        return error
    error = ConfigExecutionError(message)
    error.original = original
    return error
