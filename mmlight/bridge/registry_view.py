"""``MmengineRegistryView``: an mmengine registry seen as an mmlight ``Registry``.

mmlight's lookup and build code walks ``Registry`` objects (their ``_module_dict``, ``parent``,
children, ``import_from_location``). A view gives an mmengine registry that shape without
copying anything: its table *is* the mmengine registry's dict (names registered later show up),
and the first lookup imports the mmengine registry's ``locations`` through mmengine's own
``import_from_location`` (so the ``<scope>.utils.register_all_modules`` fallback of OpenMMLab
packages behaves as under mmengine).

A view of a child of mmengine's root hangs under the corresponding mmlight root; a view of a
deeper registry under the view of its parent. So a plain name looked up from a view searches
that scope's registry, its mmengine ancestors, then the merged root (mmlight's root, then
mmengine's): mmengine's order, with mmlight's root standing in for mmengine's own.

Build function: mmengine calls a registry's ``build_func`` only when ``.build`` is called on
that registry, and so does mmlight; a view inherits its parent's (mmlight's counterpart of
mmengine's stock builders) unless the mmengine registry was given one of its own by its package,
which is then called with the mmengine registry, as that package expects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mmengine.registry import Registry as MmengineRegistry

from mmlight.registry.registry import Registry

__all__ = ["MmengineRegistryView", "is_stock_build_func"]

_STOCK_BUILDERS_MODULE = "mmengine.registry.build_functions"


def is_stock_build_func(func: Callable[..., Any]) -> bool:
    """Whether ``func`` is one of mmengine's own build functions (mmlight has their equivalents)."""
    return getattr(func, "__module__", None) == _STOCK_BUILDERS_MODULE


class MmengineRegistryView(Registry):
    """An mmlight ``Registry`` reading an mmengine registry's live table.

    Args:
        target: the mmengine registry.
        parent: the mmlight registry it hangs under (an mmlight root or another view); None for
            the view of an mmengine root, which is searched after mmlight's root, not below it.
        children_of: maps an mmengine registry to its view (the bridge keeps one per registry).
    """

    is_external_view = True
    #: where its names come from (``mmlight registry`` marks them so)
    origin = "mmengine"

    def __init__(
        self,
        target: MmengineRegistry,
        parent: Registry | None,
        children_of: Callable[[MmengineRegistry], Registry],
    ) -> None:
        super().__init__(target.name, parent=parent, scope=target.scope, locations=())
        self._target = target
        self._view_of = children_of
        self._module_dict = target._module_dict
        own = target.build_func
        inherited = target.parent.build_func if target.parent is not None else None
        if own is not inherited and not is_stock_build_func(own):
            self.build_func = _package_builder(own, target)

    @property
    def target(self) -> MmengineRegistry:
        """The mmengine registry this view reads."""
        return self._target

    def import_from_location(self) -> None:
        """mmengine's import of the target's ``locations`` (once, as mmengine does it)."""
        self._target.import_from_location()

    @property
    def children(self) -> dict[str, Registry]:
        return {scope: self._view_of(child) for scope, child in self._target._children.items()}

    def _child_for(self, scope: str) -> Registry | None:
        child = self._target._children.get(scope)
        return None if child is None else self._view_of(child)

    def _search_child(self, scope: str) -> Registry | None:
        found = self._target._search_child(scope)
        return None if found is None else self._view_of(found)

    def __repr__(self) -> str:
        return f"<view of mmengine registry {self.scope}::{self.name}>"


def _package_builder(func: Callable[..., Any], target: MmengineRegistry) -> Callable[..., Any]:
    """A package's own build function, called with its mmengine registry."""

    def build(cfg: Any, *args: Any, registry: Registry, **kwargs: Any) -> Any:
        return func(cfg, *args, registry=target, **kwargs)

    build.__name__ = getattr(func, "__name__", "build")
    build.__doc__ = f"{target.scope}::{target.name}'s own build function, on that registry."
    return build
