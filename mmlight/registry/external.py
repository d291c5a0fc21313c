"""The socket where another registry tree (an installed mmengine's) plugs into mmlight's lookups.

mmlight's registries know nothing of mmengine. When a lookup misses in mmlight's tree, they ask
the provider set here, if any (``mmlight.bridge`` sets one once mmengine's registry module has
been imported). Without a provider every lookup behaves exactly as it does with mmlight alone.

The two questions a provider answers:

- ``scope_registry(root, scope)``: the registry of ``scope`` in the other tree under the root
  that corresponds to ``root``, made an mmlight ``Registry`` (a view) and hung under ``root`` (or
  under the view of its parent), or None. mmengine's scope rules then apply unchanged.
- ``after_root(root)``: a registry whose names are searched after ``root``'s own for plain names
  (the other tree's root: mmlight's root and it act as one root, mmlight's names first).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mmlight.registry.registry import Registry

__all__ = ["ExternalRegistries", "current", "set_provider", "suspended"]


class ExternalRegistries(Protocol):
    """What mmlight's registries ask another registry tree on a miss (see the module doc)."""

    def scope_registry(self, root: Registry, scope: str) -> Registry | None:
        """The other tree's registry of ``scope`` (any depth) below ``root``'s counterpart."""

    def after_root(self, root: Registry) -> Registry | None:
        """The registry searched after ``root`` for names ``root`` does not hold."""


_provider: ExternalRegistries | None = None
_local = threading.local()


def current() -> ExternalRegistries | None:
    """The provider in force, or None (no other tree, or inside :func:`suspended`)."""
    if getattr(_local, "suspended", False):
        return None
    return _provider


def set_provider(provider: ExternalRegistries | None) -> None:
    """Plug a provider in (None unplugs it)."""
    global _provider
    _provider = provider


@contextmanager
def suspended() -> Iterator[None]:
    """Look up in mmlight's tree alone inside the block (this thread only).

    Used when the other tree asks mmlight: it already searched itself, so mmlight must not
    hand the question back.
    """
    previous = getattr(_local, "suspended", False)
    _local.suspended = True
    try:
        yield
    finally:
        _local.suspended = previous
