"""Registries both ways: mmlight's tree and an installed mmengine's see each other.

mmlight -> mmengine (``MmengineRegistries``, plugged into ``mmlight.registry.external``): the
roots both packages define (``MODELS``, ``TRANSFORMS``, ``HOOKS``, ... paired by name) act as
one root, and the child registries of mmengine's roots (``mmseg``'s, ``mydown``'s) hang under
it as views. mmengine's scope rules then hold unchanged:

- ``default_scope='mmseg'``: ``mmseg.registry`` is imported, the lookup starts at mmseg's
  registry (its ``locations`` imported on the first lookup), then its parents, then the root;
  ``'mmseg.X'`` names mmseg's registry from anywhere.
- A plain name under a scope: the scope's own registry first, so mmseg's ``LoadAnnotations``
  wins over the one mmcv registers in mmengine's root.
- The merged root: mmlight's root first, then mmengine's. mmengine's own classes registered
  there (``CheckpointHook``, ``OptimWrapper``, ``SGD``, ...) are what mmlight re-implements for
  Lightning, so mmlight's answer for such a name is the one a run can drive; names only
  mmengine's root has (mmcv's ``BN``, ``ConvModule``, ``Resize``, ...) come from it.
- A scope both trees have under one root: mmlight's own child registry; mmengine's is not seen.

mmengine -> mmlight (``registry_fallback``): each mmengine registry under a paired root first
asks its own tree exactly as before; on a miss it asks mmlight's tree, starting at mmlight's
registry of the same scope (for mmengine's root: of the current default scope, mmengine's
``DefaultScope`` if set, else mmlight's), then mmlight's root.

Building: the build function is the one of the registry ``.build`` is called on, in both trees,
as in mmengine (whose ``MODELS.build`` runs the root's builder even when the type comes from a
child). mmlight's builders implement mmengine's stock ones, so a type found in mmengine's tree
and built through an mmlight registry is built as mmengine would, with mmlight's messages.
"""

from __future__ import annotations

import threading
from typing import Any

from mmengine.registry import DefaultScope as MmengineDefaultScope
from mmengine.registry import Registry as MmengineRegistry
from mmengine.registry import root as mmengine_root

from mmlight.bridge.registry_fallback import (
    hook_scope_search,
    hook_tree,
    unhook_scope_search,
    unhook_tree,
)
from mmlight.bridge.registry_view import MmengineRegistryView
from mmlight.registry import DefaultScope, external
from mmlight.registry import root as mmlight_root
from mmlight.registry.registry import Registry

__all__ = [
    "MmengineRegistries",
    "find_in_mmlight",
    "install",
    "installed",
    "root_pairs",
    "scope_in_mmlight",
    "uninstall",
]


def root_pairs() -> list[tuple[Registry, MmengineRegistry]]:
    """(mmlight root, mmengine root) for every root registry name both packages define."""
    pairs: list[tuple[Registry, MmengineRegistry]] = []
    seen: set[int] = set()
    for name, theirs in vars(mmengine_root).items():
        ours = getattr(mmlight_root, name, None)
        fresh = isinstance(theirs, MmengineRegistry) and id(theirs) not in seen
        if fresh and isinstance(ours, Registry):
            seen.add(id(theirs))
            pairs.append((ours, theirs))
    return pairs


def _default_scope_name() -> str | None:
    """The scope in force: mmengine's ``DefaultScope`` if one is set, else mmlight's."""
    for scope_cls in (MmengineDefaultScope, DefaultScope):
        current: Any = scope_cls.get_current_instance()
        if current is not None:
            return str(current.scope_name)
    return None


class MmengineRegistries:
    """mmengine's registry tree as ``mmlight.registry.external`` asks for it (see module doc)."""

    def __init__(self, pairs: list[tuple[Registry, MmengineRegistry]]) -> None:
        self._pairs = list(pairs)
        self._theirs = {id(ours): theirs for ours, theirs in pairs}
        self._ours = {id(theirs): ours for ours, theirs in pairs}
        # a deep copy or unpickled copy of a registry brings a copy of its root along
        self._ours_by_name = {theirs.name: ours for ours, theirs in pairs}
        self._views: dict[int, Registry] = {}
        self._lock = threading.RLock()

    @property
    def pairs(self) -> list[tuple[Registry, MmengineRegistry]]:
        return list(self._pairs)

    # ------------------------------------------------------------ mmlight asks mmengine
    def scope_registry(self, root: Registry, scope: str) -> Registry | None:
        theirs = self._theirs.get(id(root))
        if theirs is None:
            return None
        found = theirs._search_child(scope)
        if found is None or found is theirs:
            return None
        return self.view(found)

    def after_root(self, root: Registry) -> Registry | None:
        theirs = self._theirs.get(id(root))
        return None if theirs is None else self.view(theirs)

    def view(self, registry: MmengineRegistry) -> Registry:
        """The mmlight registry standing for ``registry`` (one per registry, made on demand).

        Below a paired root that is a view hung in mmlight's tree, unless mmlight's tree has its
        own registry of that scope there, which is returned instead (mmlight's own first).
        """
        with self._lock:
            known = self._views.get(id(registry))
            if known is not None:
                if known.parent is not None and known.parent._children.get(known.scope) is None:
                    known.parent._children[known.scope] = known  # re-hang a view taken out
                return known
            parent_theirs = registry.parent
            parent: Registry | None
            if parent_theirs is None:
                parent = None  # a root: searched after mmlight's root, not hung below it
            else:
                # (not `or`: an empty registry is falsy)
                ours = self._ours.get(id(parent_theirs))
                parent = ours if ours is not None else self.view(parent_theirs)
                native = parent._children.get(registry.scope)
                if native is not None and not native.is_external_view:
                    return native
            made = MmengineRegistryView(registry, parent, self.view)
            self._views[id(registry)] = made
            return made

    # ------------------------------------------------------------ mmengine asks mmlight
    def find_in_mmlight(self, registry: MmengineRegistry, key: str) -> Any:
        """What mmlight's tree holds for ``key``, asked from mmengine's ``registry``."""
        theirs_root = registry._get_root_registry()
        ours_root = self._ours.get(id(theirs_root))
        if ours_root is None and theirs_root.scope == "mmengine":
            ours_root = self._ours_by_name.get(theirs_root.name)
        if ours_root is None:
            return None
        scope = registry.scope if registry is not theirs_root else _default_scope_name()
        with external.suspended():
            start = ours_root._search_child(scope) if scope else None
            return (start if start is not None else ours_root).get(key)

    def scope_in_mmlight(self, root: MmengineRegistry, scope: str) -> Registry | None:
        """mmlight's own registry of ``scope`` below the root paired with mmengine's ``root``.

        For a scope mmengine's tree lacks (a migrated package's); mmlight's root itself and
        views of mmengine's registries are not answers (see ``registry_fallback``).
        """
        ours_root = self._ours.get(id(root))
        if ours_root is None and root.scope == "mmengine":
            ours_root = self._ours_by_name.get(root.name)
        if ours_root is None:
            return None
        with external.suspended():
            found = ours_root._search_child(scope)
        if found is None or found is ours_root or found.is_external_view:
            return None
        return found

    # ------------------------------------------------------------ teardown
    def detach_views(self) -> None:
        """Take the views out of mmlight's tree (mmlight's own registries stay)."""
        with self._lock:
            for ours, _ in self._pairs:
                for scope, child in list(ours.children.items()):
                    if child.is_external_view:
                        del ours.children[scope]
            self._views.clear()


_installed: MmengineRegistries | None = None
_install_lock = threading.Lock()


def installed() -> MmengineRegistries | None:
    """The bridge in force, or None."""
    return _installed


def find_in_mmlight(registry: MmengineRegistry, key: str) -> Any:
    """What mmlight's tree holds for ``key`` asked from mmengine's ``registry`` (None: no bridge).

    A module-level function, so a hooked mmengine registry still deep-copies and pickles (the
    hook holds this function by reference, not the bridge and its lock).
    """
    bridge = _installed
    return None if bridge is None else bridge.find_in_mmlight(registry, key)


def scope_in_mmlight(root: MmengineRegistry, scope: str) -> Registry | None:
    """mmlight's registry of ``scope`` for mmengine's ``root`` (None: no bridge); module-level
    for the same reason as :func:`find_in_mmlight`."""
    bridge = _installed
    return None if bridge is None else bridge.scope_in_mmlight(root, scope)


def install() -> MmengineRegistries:
    """Make both trees see each other (idempotent)."""
    global _installed
    with _install_lock:
        if _installed is None:
            bridge = MmengineRegistries(root_pairs())
            for _, theirs in bridge.pairs:
                hook_tree(theirs, find_in_mmlight)
                hook_scope_search(theirs, scope_in_mmlight)
            external.set_provider(bridge)
            _installed = bridge
        return _installed


def uninstall() -> None:
    """Undo :func:`install`: each tree sees only itself again."""
    global _installed
    with _install_lock:
        if _installed is None:
            return
        external.set_provider(None)
        for _, theirs in _installed.pairs:
            unhook_tree(theirs)
            unhook_scope_search(theirs)
        _installed.detach_views()
        _installed = None
