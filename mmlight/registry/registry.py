"""``Registry``: names -> classes/functions, organised as a tree of scopes.

Each downstream package (``mmdet``, a user's project) may hang a child registry under a root
registry; a name is looked up in the registry asked, then its ancestors; ``'scope.Name'`` jumps
to another scope's registry; a dotted path (``'torch.optim.SGD'``) is imported as a last resort.
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from mmlight.registry import external
from mmlight.registry.default_scope import ROOT_SCOPE, DefaultScope, canonical_scope
from mmlight.registry.errors import (
    DuplicateRegistrationError,
    DuplicateScopeError,
    RegistrationTypeError,
)
from mmlight.utils.imports import get_object_from_string, is_missing_module_error

__all__ = ["Registry"]

logger = logging.getLogger(__name__)

# (scope, registry) pairs already warned about, so a missing scope warns once, not per build.
_warned: set[tuple[str, str]] = set()


def _warn_once(key: tuple[str, str], message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        logger.warning(message)


def _import_scope_registry(scope: str) -> bool:
    """Import ``<scope>.registry`` so its child registries join the tree; False if absent.

    A scope package whose registry module exists but fails to import raises: that is a bug in
    that package, and hiding it would only resurface as "X is not in the registry".
    """
    if not scope.isidentifier():  # '' from a key like '.Foo': nothing to import
        return False
    module_name = f"{canonical_scope(scope)}.registry"
    try:
        import_module(module_name)
    except ModuleNotFoundError as err:
        if not is_missing_module_error(err, module_name):
            if is_missing_module_error(err, "mmengine.registry") and hasattr(err, "add_note"):
                err.add_note(
                    f"(scope {scope!r}: {module_name} is written against mmengine; install it "
                    "with `pip install 'mmlight[mmengine]'`)"
                )
            raise
        return False
    return True


def _describe(obj: Any) -> str:
    """Where an object is defined, for messages about duplicates."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if module and qualname:
        return f"{module}.{qualname}"
    return repr(obj)


class Registry:
    """Map names to classes or functions and build them from config dicts.

    Args:
        name: what the registry holds, e.g. ``'model'``; used in messages.
        build_func: builds an object from a config; defaults to the parent's, then to
            :func:`~mmlight.registry.build_from_cfg`.
        parent: registry to fall back to for names not found here.
        scope: key of this registry among its parent's children; inferred from the top-level
            package of the module that creates the registry when None.
        locations: modules imported (once, on the first lookup) to fill this registry.
    """

    # True for views of another tree's registries (``mmlight.registry.external``): a child of
    # mmlight's own with the same scope replaces such a view.
    is_external_view = False

    def __init__(
        self,
        name: str,
        build_func: Callable[..., Any] | None = None,
        parent: Registry | None = None,
        scope: str | None = None,
        locations: Sequence[str] | None = None,
    ) -> None:
        from mmlight.registry.build_functions import build_from_cfg

        self._name = name
        self._module_dict: dict[str, Any] = {}
        self._children: dict[str, Registry] = {}
        self._locations: list[str] = (
            [locations] if isinstance(locations, str) else list(locations or [])
        )
        self._imported = False

        if scope is None:
            self._scope = self.infer_scope()
        elif isinstance(scope, str):
            self._scope = scope
        else:
            raise RegistrationTypeError(
                f"Registry scope must be a str or None, but got {type(scope).__name__}: {scope!r}",
                registry_name=name,
            )

        self.parent: Registry | None = None
        if parent is not None:
            if not isinstance(parent, Registry):
                raise RegistrationTypeError(
                    f"parent of registry {name!r} must be a Registry, but got "
                    f"{type(parent).__name__}",
                    registry_name=name,
                )
            parent._add_child(self)
            self.parent = parent

        self.build_func: Callable[..., Any]
        if build_func is not None:
            self.build_func = build_func
        elif self.parent is not None:
            self.build_func = self.parent.build_func
        else:
            self.build_func = build_from_cfg

    # ------------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        return self._name

    @property
    def scope(self) -> str:
        return self._scope

    @property
    def module_dict(self) -> dict[str, Any]:
        """Name -> object; imports ``locations`` first so lazily filled registries list fully."""
        self.import_from_location()
        return self._module_dict

    @property
    def children(self) -> dict[str, Registry]:
        return self._children

    @property
    def root(self) -> Registry:
        return self._get_root_registry()

    def __len__(self) -> int:
        return len(self.module_dict)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __repr__(self) -> str:
        entries = self.module_dict
        lines = [f"Registry of {self._name} (scope {self._scope!r}, {len(entries)} entries)"]
        if entries:
            width = max(len(k) for k in entries)
            for key, obj in sorted(entries.items()):
                lines.append(f"  {key.ljust(width)}  {obj}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ scopes
    @staticmethod
    def infer_scope() -> str:
        """Top-level package of the module that called ``Registry(...)``.

        Looks two frames up (``infer_scope`` <- ``Registry.__init__`` <- caller), as mmengine.
        Falls back to mmlight's root scope (mmengine: ``'mmengine'``) with a warning.
        """
        module = inspect.getmodule(sys._getframe(2))
        if module is not None:
            return module.__name__.split(".")[0]
        logger.warning(
            'set scope as "%s" when scope can not be inferred. You can silence this warning '
            'by passing a "scope" argument to Registry like `Registry(name, scope="toy")`',
            ROOT_SCOPE,
        )
        return ROOT_SCOPE

    @staticmethod
    def split_scope_key(key: str) -> tuple[str | None, str]:
        """``'mmdet.ResNet'`` -> ``('mmdet', 'ResNet')``; ``'ResNet'`` -> ``(None, 'ResNet')``."""
        scope, dot, rest = key.partition(".")
        return (scope, rest) if dot else (None, key)

    def _is_scope(self, scope: str) -> bool:
        return canonical_scope(scope) == canonical_scope(self._scope)

    def _get_root_registry(self) -> Registry:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def _search_child(self, scope: str) -> Registry | None:
        """Depth-first search of this registry and its descendants for ``scope``."""
        if self._is_scope(scope):
            return self
        for child in self._children.values():
            found = child._search_child(scope)
            if found is not None:
                return found
        return None

    def _child_for(self, scope: str) -> Registry | None:
        found = self._children.get(scope) or self._children.get(canonical_scope(scope))
        if found is None and self.parent is None:
            view = self._external_scope(scope)
            if view is not None and view.parent is self:  # direct children only, as mmengine
                found = view
        return found

    def _external_scope(self, scope: str) -> Registry | None:
        """The other tree's registry of ``scope`` (see ``mmlight.registry.external``), if any."""
        provider = external.current()
        if provider is None or not scope.isidentifier():
            return None
        return provider.scope_registry(self, scope)

    def _add_child(self, registry: Registry) -> None:
        existing = self._children.get(registry.scope)
        if existing is not None and existing.is_external_view and not registry.is_external_view:
            logger.debug(
                "mmlight registry %s::%s replaces the view of another tree's registry with "
                "that scope under %s",
                registry.scope,
                registry.name,
                self._name,
            )
            del self._children[registry.scope]
        if registry.scope in self._children:
            raise DuplicateScopeError(
                f"scope {registry.scope!r} exists in {self._name} registry: registry "
                f"{registry.name!r} cannot be added as a second child with that scope",
                registry_name=self._name,
                scope=registry.scope,
            )
        self._children[registry.scope] = registry

    @contextmanager
    def switch_scope_and_registry(self, scope: str | None) -> Iterator[Registry]:
        """Make ``scope`` the default scope for the block and yield the registry to build from.

        That is the registry of the default scope in this registry's tree (after importing
        ``<scope>.registry`` to let it join), or this registry when the tree has none.
        """
        with DefaultScope.overwrite_default_scope(scope):
            current = DefaultScope.get_current_instance()
            registry: Registry = self
            if current is not None:
                scope_name = current.scope_name
                root = self._get_root_registry()
                if not root._is_scope(scope_name) and not _import_scope_registry(scope_name):
                    _warn_once(
                        (scope_name, ""),
                        f"Failed to import `{scope_name}.registry`: no module of that name. "
                        f"Make sure the package {scope_name!r} is installed and has a "
                        "registry.py, or that its registries are created before building.",
                    )
                found = root._search_child(scope_name)
                if found is None:
                    found = root._external_scope(scope_name)
                if found is None:
                    _warn_once(
                        (scope_name, f"{self._scope}::{self._name}"),
                        f'Failed to search registry with scope "{scope_name}" in the '
                        f'"{root.name}" registry tree. As a workaround, the current '
                        f'"{self._name}" registry in "{self._scope}" is used to build '
                        "instance. This may cause unexpected failure when running the built "
                        f'modules. Please check whether "{scope_name}" is a correct scope, or '
                        "whether the registry is initialized.",
                    )
                else:
                    registry = found
            yield registry

    # ------------------------------------------------------------------ lazy imports
    def import_from_location(self) -> None:
        """Import the ``locations`` modules once, so their ``register_module`` calls run.

        A location that does not exist (yet) is skipped; one that exists but raises while
        importing propagates, and the import is tried again on the next lookup.
        """
        if self._imported:
            return
        for location in self._locations:
            try:
                import_module(location)
            except ModuleNotFoundError as err:
                if not is_missing_module_error(err, location):
                    raise
                logger.debug(
                    "location %s of the %s::%s registry does not exist; skipped",
                    location,
                    self._scope,
                    self._name,
                )
        self._imported = True

    # ------------------------------------------------------------------ lookup
    def get(self, key: str) -> Any | None:
        """The object registered as ``key``, or None.

        Order: this registry; for a bare name its ancestors; for ``'scope.Name'`` the registry
        of that scope (a child of this one, else looked up from the root); finally ``key`` as
        a dotted import path. ``'mmengine.X'`` means mmlight's root scope, and a dotted path
        under ``mmengine.`` resolves to mmlight's object of the same path when there is one.

        With an installed mmengine's registries imported (``mmlight.bridge``), a root that does
        not hold a name asks mmengine's root of the same name next, and a scope mmlight's tree
        lacks is looked up in mmengine's tree (``mmlight.registry.external``).
        """
        return self._lookup(key, [])

    def _lookup(self, key: str, searched: list[Registry]) -> Any | None:
        """``get`` that records every registry whose table it searched, for error messages."""
        if not isinstance(key, str):
            raise TypeError(
                f"The key argument of `Registry.get` must be a str, got {type(key).__name__}: "
                f"{key!r}"
            )
        self.import_from_location()
        scope, real_key = self.split_scope_key(key)
        obj: Any | None = None

        if scope is None or self._is_scope(scope):
            node: Registry | None = self
            last = self
            while node is not None:
                node.import_from_location()
                searched.append(node)
                if real_key in node._module_dict:
                    obj = node._module_dict[real_key]
                    break
                last = node
                node = node.parent if scope is None else None
            if obj is None and last.parent is None:
                obj = last._lookup_after_root(real_key, searched)
        else:
            _import_scope_registry(scope)
            child = self._child_for(scope)
            if child is not None:
                obj = child._lookup(real_key, searched)
            else:
                root = self._get_root_registry()
                if root._is_scope(scope) or root._child_for(scope) is not None:
                    obj = root._lookup(key, searched)

        if obj is None and "." in key:
            obj = get_object_from_string(key)
        if obj is not None:
            logger.debug("Get %r from the %s::%s registry", key, self._scope, self._name)
        return obj

    def _lookup_after_root(self, key: str, searched: list[Registry]) -> Any | None:
        """A root's miss: the other tree's root, searched after this one (mmlight's first)."""
        provider = external.current()
        after = provider.after_root(self) if provider is not None else None
        if after is None:
            return None
        after.import_from_location()
        searched.append(after)
        return after._module_dict.get(key)

    # ------------------------------------------------------------------ build / register
    def build(self, cfg: Any, *args: Any, **kwargs: Any) -> Any:
        """Build an object from ``cfg`` with this registry's ``build_func``."""
        return self.build_func(cfg, *args, **kwargs, registry=self)

    def _register_module(
        self, module: Any, module_name: str | Sequence[str] | None = None, force: bool = False
    ) -> None:
        if not callable(module):
            raise RegistrationTypeError(
                f"module must be Callable, but got {type(module).__name__}: {module!r} "
                f"(registering in the {self._scope}::{self._name} registry)",
                registry_name=self._name,
                scope=self._scope,
            )
        if module_name is None:
            module_name = module.__name__
        names = [module_name] if isinstance(module_name, str) else list(module_name)
        for name in names:
            if not force and name in self._module_dict:
                existing = self._module_dict[name]
                raise DuplicateRegistrationError(
                    f"{name} is already registered in {self._name} at "
                    f"{getattr(existing, '__module__', '?')} ({_describe(existing)}, "
                    f"registry scope {self._scope!r}). Pick another name, or pass force=True "
                    "to replace it.",
                    type_name=name,
                    registry_name=self._name,
                    scope=self._scope,
                )
            self._module_dict[name] = module

    def register_module(
        self,
        name: str | Sequence[str] | None = None,
        force: bool = False,
        module: Any | None = None,
    ) -> Any:
        """Register ``module`` under ``name`` (default: its ``__name__``); a list gives aliases.

        Use as ``@REG.register_module()`` / ``@REG.register_module(name=['a', 'b'])`` or as
        ``REG.register_module(module=cls)``. An existing name raises unless ``force=True``.
        """
        if not isinstance(force, bool):
            raise RegistrationTypeError(
                f"force must be a boolean, but got {type(force).__name__}: {force!r}",
                registry_name=self._name,
                scope=self._scope,
            )
        if not (
            name is None
            or isinstance(name, str)
            or (
                isinstance(name, Sequence)
                and not isinstance(name, (bytes, bytearray))
                and all(isinstance(n, str) for n in name)
            )
        ):
            raise RegistrationTypeError(
                "name must be None, an instance of str, or a sequence of str, but got "
                f"{type(name).__name__}: {name!r}",
                registry_name=self._name,
                scope=self._scope,
            )
        if module is not None:
            self._register_module(module=module, module_name=name, force=force)
            return module

        def _register(obj: Any) -> Any:
            self._register_module(module=obj, module_name=name, force=force)
            return obj

        return _register
