"""The process-wide default scope, and the ``mmengine`` -> ``mmlight`` scope alias.

The Runner sets the default scope (``default_scope='mmdet'`` in a config) once; every build
afterwards starts its lookup in that scope's registry, wherever the build call is made.
Configs written for mmengine say ``default_scope='mmengine'``, ``_scope_='mmengine'`` or
``type='mmengine.Foo'``: mmlight's root registries answer for that scope.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from mmlight.utils.manager import ManagerMixin, _lock

__all__ = ["MMENGINE_SCOPE", "ROOT_SCOPE", "DefaultScope", "canonical_scope"]

ROOT_SCOPE = "mmlight"
MMENGINE_SCOPE = "mmengine"

_overwrite_ids = itertools.count()


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

    @property
    def scope_name(self) -> str:
        """The scope builds start in, as the user wrote it."""
        return self._scope_name

    @classmethod
    def get_current_instance(cls) -> DefaultScope | None:  # type: ignore[override]
        """The scope in force, or None when no default scope was ever set."""
        with _lock:
            if not cls._instance_dict:
                return None
            return super().get_current_instance()

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
