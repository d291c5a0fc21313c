"""mmengine's lookups fall back to mmlight's registries (gradual migration).

A repository moved to mmlight registers its types in mmlight's registries, while the mmcv it
still uses builds layers through mmengine's (``build_norm_layer(dict(type='MyNorm'), 8)`` looks
``'MyNorm'`` up in mmengine's ``MODELS``). For such a lookup to succeed, mmengine's registries
must be able to see mmlight's. The options weighed:

1. Patch ``mmengine.registry.Registry.get`` on the class. Process-wide: every mmengine registry,
   including a package's own root registries that mmlight has no counterpart for, and every
   subclass, would change. Rejected.
2. Hang mmlight's roots under mmengine's as a child scope ``'mmlight'``. mmengine's own code then
   resolves ``'mmlight.MyNorm'``, but mmengine never searches a sibling scope for a plain name, so
   ``'MyNorm'`` (what migrated code and mmcv's builders use) would still miss; it also puts a
   foreign child in every ``_search_child`` walk of mmengine's trees. Rejected.
3. Per instance, on the mmengine registries whose root mmlight has a counterpart of (the roots,
   their children now and later): a ``get`` attribute that runs mmengine's own ``get`` and only
   when that finds nothing (or fails on an import path) asks mmlight's tree. Chosen: whatever
   mmengine resolves today resolves exactly as before, the only change is a miss (which raises
   ``KeyError`` in the builder) becoming a hit, and nothing is installed unless mmlight's
   registries and mmengine's are both imported in the process. ``uninstall`` removes it again.

Children created later are covered by an instance-level ``_add_child`` on each hooked registry
(mmengine's ``Registry.__init__`` calls ``parent._add_child(child)``).

Scopes (``hook_scope_search``): mmengine's builders start at the registry of the default scope,
which ``switch_scope_and_registry`` finds with ``root._search_child(scope)``. A migrated
package's registries hang in mmlight's tree, so that search misses, mmengine warns and builds
from its root, where mmcv's types shadow the package's own (mmcv's ``LoadAnnotations`` inside
mmcv's ``TestTimeAug`` instead of the migrated mmseg's). On each paired root an instance-level
``_search_child`` therefore runs mmengine's own search and, only on a miss, returns mmlight's
registry of that scope (a child of mmlight's root, never the root itself: a default scope of
``'mmlight'`` keeps mmengine's behaviour). Its ``get`` is mmlight's: the scope's own types,
then its parents, then both roots, which is mmengine's rule over the joined trees.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from mmengine.registry import Registry as MmengineRegistry

__all__ = [
    "FindInMmlight",
    "SearchInMmlight",
    "hook_scope_search",
    "hook_tree",
    "is_hooked",
    "unhook_scope_search",
    "unhook_tree",
]

FindInMmlight = Callable[[MmengineRegistry, str], Any]
# (mmengine root, scope) -> mmlight's registry of that scope below the paired root, or None
SearchInMmlight = Callable[[MmengineRegistry, str], Any]

_local = threading.local()


class _GetWithFallback:
    """The ``get`` installed on one mmengine registry: mmengine's, then mmlight's tree."""

    def __init__(self, registry: MmengineRegistry, find: FindInMmlight) -> None:
        self._registry = registry
        self._find = find

    def __call__(self, key: str) -> Any:
        # mmengine's get calls root.get for 'scope.X' keys: only the outermost call falls back.
        depth: int = getattr(_local, "depth", 0)
        _local.depth = depth + 1
        try:
            obj = type(self._registry).get(self._registry, key)
        except RuntimeError:  # mmengine: "Failed to get <key>" (an import path that raised)
            found = None if depth else self._find_or_none(key)
            if found is None:
                raise  # mmengine's own error, as without mmlight
            return found
        finally:
            _local.depth = depth
        if obj is None and depth == 0:
            obj = self._find(self._registry, key)
        return obj

    def _find_or_none(self, key: str) -> Any:
        try:
            return self._find(self._registry, key)
        except Exception:  # the same broken import, seen from mmlight's side
            return None


class _AddChildHooking:
    """The ``_add_child`` installed on one mmengine registry: adds, then hooks the child."""

    def __init__(self, registry: MmengineRegistry, find: FindInMmlight) -> None:
        self._registry = registry
        self._find = find

    def __call__(self, child: MmengineRegistry) -> None:
        type(self._registry)._add_child(self._registry, child)
        hook_tree(child, self._find)


def is_hooked(registry: MmengineRegistry) -> bool:
    """Whether ``registry`` falls back to mmlight's tree."""
    return isinstance(vars(registry).get("get"), _GetWithFallback)


def hook_tree(registry: MmengineRegistry, find: FindInMmlight) -> None:
    """Make ``registry`` and its descendants (present and future) fall back through ``find``."""
    if not is_hooked(registry):
        registry.get = _GetWithFallback(registry, find)
        registry._add_child = _AddChildHooking(registry, find)
    for child in list(registry._children.values()):
        hook_tree(child, find)


def unhook_tree(registry: MmengineRegistry) -> None:
    """Undo :func:`hook_tree` on ``registry`` and its descendants."""
    attrs = vars(registry)
    if isinstance(attrs.get("get"), _GetWithFallback):
        del attrs["get"]
    if isinstance(attrs.get("_add_child"), _AddChildHooking):
        del attrs["_add_child"]
    for child in list(registry._children.values()):
        unhook_tree(child)


class _SearchChildWithFallback:
    """The ``_search_child`` installed on one mmengine root: mmengine's, then mmlight's tree."""

    def __init__(self, registry: MmengineRegistry, search: SearchInMmlight) -> None:
        self._registry = registry
        self._search = search

    def __call__(self, scope: str) -> Any:
        found = type(self._registry)._search_child(self._registry, scope)
        if found is None:
            found = self._search(self._registry, scope)
        return found


def hook_scope_search(root: MmengineRegistry, search: SearchInMmlight) -> None:
    """Make ``root``'s scope search find mmlight's registries of scopes its tree lacks."""
    if not isinstance(vars(root).get("_search_child"), _SearchChildWithFallback):
        root._search_child = _SearchChildWithFallback(root, search)


def unhook_scope_search(root: MmengineRegistry) -> None:
    """Undo :func:`hook_scope_search`."""
    if isinstance(vars(root).get("_search_child"), _SearchChildWithFallback):
        del vars(root)["_search_child"]
