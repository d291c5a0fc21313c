"""Run a callback right after a module is imported, without importing it.

The bridge must wake up when mmengine's registry module arrives, whoever imports it (``import
mmcv.cnn``, a ``custom_imports`` entry, ``mmseg.registry`` on a default scope), and never import
it itself. A finder at the front of ``sys.meta_path`` answers only for that one module name:
it asks the finders behind it for the real spec and wraps that spec's loader's
``exec_module`` (on the loader instance made for this import) so the callback runs once the
module has executed. Every other import costs one string comparison.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType

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


class _AfterImportFinder(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the loader of one module so ``callback`` follows it."""

    def __init__(self, name: str, callback: Callable[[], None]) -> None:
        self.name = name
        self.callback = callback

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        with _lock:
            if self in sys.meta_path:
                sys.meta_path.remove(self)
        spec = _spec_from_other_finders(fullname, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        exec_module = loader.exec_module
        callback, name = self.callback, self.name

        def exec_then_call(module: ModuleType) -> None:
            exec_module(module)
            _run(callback, name)

        loader.exec_module = exec_then_call  # type: ignore[method-assign]
        return spec


def _spec_from_other_finders(
    fullname: str, path: Sequence[str] | None, target: ModuleType | None
) -> importlib.machinery.ModuleSpec | None:
    for finder in list(sys.meta_path):
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
        if any(
            isinstance(f, _AfterImportFinder) and f.name == name and f.callback is callback
            for f in sys.meta_path
        ):
            return
        sys.meta_path.insert(0, _AfterImportFinder(name, callback))
