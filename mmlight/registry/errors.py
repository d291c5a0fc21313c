"""Exceptions raised while registering, looking up and building objects from configs.

Every class is also the builtin type mmengine raises for the same mistake (KeyError, TypeError),
so ``except KeyError`` written against mmengine keeps working; where mmengine only asserts, the
class is an ``AssertionError`` too. All carry structured attributes (``type_name``,
``registry_name``, ``scope``) so callers can react without parsing messages.

Key paths: a registry builds one config dict and cannot know where in the user's config that
dict sits. The layer that does know (the Runner, which builds ``cfg.model``) wraps the call::

    with config_key_path("model"):
        MODELS.build(cfg.model)

and an error from inside reads ``model: 'ResNett' is not in the mmlight::model registry ...``.
Contexts nest (``model`` around ``backbone`` gives ``model.backbone``); ``[0]`` style segments
join without a dot (``custom_hooks[0]``). ``RegistryError.prefix_key_path`` does the same by hand.
Other exceptions passing through get the path as a note (Python >= 3.11 shows notes).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = [
    "BuildArgumentError",
    "ConfigTypeError",
    "DuplicateRegistrationError",
    "DuplicateScopeError",
    "MissingTypeError",
    "RegistrationTypeError",
    "RegistryError",
    "UnknownTypeError",
    "closest_names",
    "config_key_path",
    "did_you_mean",
    "join_key_path",
]

_KEY_PATH_ATTR = "_mmlight_key_path"
_KEY_PATH_NOTE_ATTR = "_mmlight_key_path_note"


def closest_names(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Registered names that look like ``name`` (a typo or a different capitalisation)."""
    pool = sorted(set(choices))
    close = difflib.get_close_matches(name, pool, n=n, cutoff=0.6)
    if not close:
        by_lower = {c.lower(): c for c in pool}
        close = [by_lower[c] for c in difflib.get_close_matches(name.lower(), by_lower, n=n)]
    return close


def did_you_mean(names: Sequence[str]) -> str:
    """``"did you mean 'SGD'?"`` (or '' when there is nothing to suggest)."""
    if not names:
        return ""
    if len(names) == 1:
        return f"did you mean {names[0]!r}?"
    return "did you mean one of " + ", ".join(repr(n) for n in names) + "?"


def join_key_path(prefix: str, path: str | None) -> str:
    """``join_key_path('model', 'backbone')`` -> ``'model.backbone'``; ``'[0]'`` joins bare."""
    if not path:
        return prefix
    if not prefix:
        return path
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


class RegistryError(Exception):
    """Base of the registry's errors; the message can be prefixed with the config key path.

    Attributes:
        type_name: the ``type`` as written in the config (or the registered name), if known.
        registry_name: name of the registry involved, e.g. ``'optimizer'``.
        scope: scope of that registry, e.g. ``'mmlight'``.
        key_path: where in the user's config the failing dict sits, e.g. ``'model.backbone'``.
    """

    def __init__(
        self,
        message: str,
        *,
        type_name: str | None = None,
        registry_name: str | None = None,
        scope: str | None = None,
        key_path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.type_name = type_name
        self.registry_name = registry_name
        self.scope = scope
        self.key_path = key_path

    def prefix_key_path(self, prefix: str) -> RegistryError:
        """Put ``prefix`` in front of the key path (outer config keys are added last)."""
        self.key_path = join_key_path(prefix, self.key_path)
        return self

    def __str__(self) -> str:
        return f"{self.key_path}: {self.message}" if self.key_path else self.message


class UnknownTypeError(RegistryError, KeyError):
    """A ``type`` string names nothing registered and no importable object.

    Extra attributes: ``searched`` (``'scope::name'`` of every registry searched) and
    ``suggestions`` (closest registered names).
    """

    def __init__(
        self,
        message: str,
        *,
        searched: Sequence[str] = (),
        suggestions: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.searched = list(searched)
        self.suggestions = list(suggestions)


class MissingTypeError(RegistryError, KeyError):
    """Neither the config nor ``default_args`` says which ``type`` to build."""

    def __init__(self, message: str, *, cfg_keys: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.cfg_keys = list(cfg_keys)


class ConfigTypeError(RegistryError, TypeError):
    """A config, its ``type`` or ``default_args`` has an unusable Python type."""


class BuildArgumentError(RegistryError, TypeError):
    """The constructor of a registered type rejected the config's arguments.

    Extra attributes: ``unexpected`` and ``missing`` argument names, ``suggestions`` mapping an
    unexpected name to its closest accepted one.
    """

    def __init__(
        self,
        message: str,
        *,
        unexpected: Sequence[str] = (),
        missing: Sequence[str] = (),
        suggestions: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.unexpected = list(unexpected)
        self.missing = list(missing)
        self.suggestions = dict(suggestions or {})


class DuplicateRegistrationError(RegistryError, KeyError):
    """A name is registered twice without ``force=True``."""


class DuplicateScopeError(RegistryError, KeyError, AssertionError):
    """Two child registries of one parent claim the same scope (mmengine asserts)."""


class RegistrationTypeError(RegistryError, TypeError):
    """``register_module`` got a non-callable module, a bad name or a non-bool ``force``."""


def _add_key_path_note(err: BaseException, prefix: str) -> None:
    """Record the key path on a foreign exception as a single, updated note."""
    path = join_key_path(prefix, getattr(err, _KEY_PATH_ATTR, None))
    old_note = getattr(err, _KEY_PATH_NOTE_ATTR, None)
    note = f"(while building config key {path!r})"
    try:
        setattr(err, _KEY_PATH_ATTR, path)
        setattr(err, _KEY_PATH_NOTE_ATTR, note)
    except AttributeError:  # exceptions with __slots__: nothing to attach to
        return
    notes = getattr(err, "__notes__", None)
    if isinstance(notes, list) and old_note in notes:
        notes[notes.index(old_note)] = note
    elif hasattr(err, "add_note"):
        err.add_note(note)


@contextmanager
def config_key_path(key: str) -> Iterator[None]:
    """Attribute registry errors raised inside to the config key ``key`` (see module doc)."""
    try:
        yield
    except RegistryError as err:
        err.prefix_key_path(key)
        raise
    except Exception as err:
        _add_key_path_note(err, key)
        raise
