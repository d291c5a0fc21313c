"""Run callbacks right after a module is imported, without importing it.

The bridge must wake up when mmengine's registry module arrives, whoever imports it (``import
mmcv.cnn``, a ``custom_imports`` entry, ``mmseg.registry`` imported for a default scope), and
never import it itself. One finder per watched module sits at the front of ``sys.meta_path`` and
answers only for that name: it asks the finders behind it for the real spec and wraps that
spec's loader's ``exec_module`` (on the loader instance made for this import), so the callbacks
run once the module has executed; then the finder leaves. A ``find_spec`` probe that imports
nothing leaves it in place. Every other import costs one string comparison.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

__all__ = ["after_import", "is_imported"]

logger = logging.getLogger(__name__)

_lock = threading.Lock()


def is_imported(name: str) -> bool:
    """Whether module ``name`` is in ``sys.modules`` and has finished executing."""
    module = sys.modules.get(name)
    if module is None:
        return False
    spec = getattr(module, "__spec__", None)
    return not getattr(spec, "_initializing", False)


def _run(callback: Callable[[], None], name: str) -> None:
    try:
        callback()
    except Exception:  # a failure here must not break the user's import of `name`
        logger.warning("mmlight: the hook run after importing %s failed", name, exc_info=True)


class _AfterImportFinder:
    """Finds nothing itself; wraps the loader of one module so its callbacks follow it.

    (A meta path finder needs only ``find_spec``; not deriving from ``importlib.abc``'s base
    keeps that module, ~10 ms to import, out of ``import mmlight.registry``.)
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.callbacks: list[Callable[[], None]] = []

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname != self.name:
            return None
        # Stay in place until the module really executes: find_spec alone (a "is it
        # installed?" probe) imports nothing, and the next import must still be seen.
        spec = _spec_from_other_finders(fullname, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_then_call(module: ModuleType) -> None:
            exec_module(module)
            with _lock:
                if self not in sys.meta_path:
                    return  # another spec of this module already ran the callback
                sys.meta_path.remove(self)
            for callback in self.callbacks:
                _run(callback, self.name)

        loader.exec_module = exec_then_call  # type: ignore[method-assign]
        return spec


def _spec_from_other_finders(
    fullname: str, path: Sequence[str] | None, target: ModuleType | None
) -> ModuleSpec | None:
    for finder in list(sys.meta_path):
        if isinstance(finder, _AfterImportFinder):
            continue
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        spec = find_spec(fullname, path, target)
        if spec is not None:
            return spec
    return None


def after_import(name: str, callback: Callable[[], None]) -> None:
    """Call ``callback()`` once module ``name`` is imported: now if it already is.

    A callback that raises is logged as a warning; the import itself goes on.
    """
    if is_imported(name):
        _run(callback, name)
        return
    with _lock:
        watcher = next(
            (f for f in sys.meta_path if isinstance(f, _AfterImportFinder) and f.name == name),
            None,
        )
        if watcher is None:
            watcher = _AfterImportFinder(name)
            sys.meta_path.insert(0, watcher)
        if callback not in watcher.callbacks:
            watcher.callbacks.append(callback)
