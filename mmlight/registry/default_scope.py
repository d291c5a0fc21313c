"""The process-wide default scope, and the ``mmengine`` -> ``mmlight`` scope alias.

The Runner sets the default scope (``default_scope='mmdet'`` in a config) once; every build
afterwards starts its lookup in that scope's registry, wherever the build call is made.
Configs written for mmengine say ``default_scope='mmengine'``, ``_scope_='mmengine'`` or
``type='mmengine.Foo'``: mmlight's root registries answer for that scope.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from mmlight.utils.manager import ManagerMixin, _lock

__all__ = [
    "MMENGINE_SCOPE",
    "ROOT_SCOPE",
    "DefaultScope",
    "ForeignScope",
    "canonical_scope",
    "creation_stamp",
    "set_foreign_scope",
]

ROOT_SCOPE = "mmlight"
MMENGINE_SCOPE = "mmengine"

_overwrite_ids = itertools.count()
_stamps = itertools.count()

#: (creation stamp, scope) of another package's newest default scope (an installed mmengine's,
#: set by ``mmlight.bridge``), or None; the newer of it and mmlight's own is the one in force.
ForeignScope = Callable[[], "tuple[int, DefaultScope] | None"]
_foreign: ForeignScope | None = None


def creation_stamp() -> int:
    """A number larger than every one handed out before: orders scopes created on both sides."""
    return next(_stamps)


def set_foreign_scope(provider: ForeignScope | None) -> None:
    """Plug in (None: unplug) the source of another package's current default scope."""
    global _foreign
    _foreign = provider


def canonical_scope(scope: str) -> str:
    """The scope mmlight uses for ``scope``: ``'mmengine'`` means mmlight's root scope."""
    return ROOT_SCOPE if scope == MMENGINE_SCOPE else scope


class _ScopeNameTypeError(TypeError, AssertionError):
    """``scope_name`` is not a str (mmengine asserts)."""


class DefaultScope(ManagerMixin):
    """A named default scope; the most recently created instance is the one in force.

    ``scope_name`` is kept as written (``'mmengine'`` stays ``'mmengine'``); lookups map it
    through :func:`canonical_scope`.
    """

    def __init__(self, name: str, scope_name: str) -> None:
        super().__init__(name)
        if not isinstance(scope_name, str):
            raise _ScopeNameTypeError(
                f"DefaultScope scope_name must be a str such as 'mmdet', but got "
                f"{type(scope_name).__name__}: {scope_name!r}"
            )
        self._scope_name = scope_name
        if _foreign is not None:
            _foreign()  # the other side's scopes made so far get their (older) stamps first
        self._created = creation_stamp()

    @property
    def scope_name(self) -> str:
        """The scope builds start in, as the user wrote it."""
        return self._scope_name

    @classmethod
    def get_current_instance(cls) -> DefaultScope | None:  # type: ignore[override]
        """The scope in force, or None when no default scope was ever set.

        With another package's scopes plugged in (``set_foreign_scope``), its newest one wins
        when it was created after mmlight's newest: one current scope for both packages.
        """
        with _lock:
            own: DefaultScope | None = None
            if cls._instance_dict:
                own = super().get_current_instance()
        foreign = _foreign() if _foreign is not None and cls is DefaultScope else None
        if foreign is not None and (own is None or foreign[0] > getattr(own, "_created", -1)):
            return foreign[1]
        return own

    @classmethod
    @contextmanager
    def overwrite_default_scope(cls, scope_name: str | None) -> Iterator[None]:
        """Make ``scope_name`` the default scope inside the ``with`` block (None: no change).

        The previous instances are restored afterwards, as the same objects (mmengine restores
        deep copies).
        """
        if scope_name is None:
            yield
            return
        with _lock:
            saved: OrderedDict[str, DefaultScope] = OrderedDict(cls._instance_dict)
            cls.get_instance(f"overwrite-{next(_overwrite_ids)}", scope_name=scope_name)
        try:
            yield
        finally:
            with _lock:
                cls._instance_dict = saved
