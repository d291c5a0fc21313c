"""The bridge to an installed mmengine: the one place in mmlight that imports mmengine.

Users of OpenMMLab packages have mmengine, mmcv and mmseg/mmdet/... installed, and those register
into mmengine's registry tree. The bridge lets mmlight's registries and mmengine's see each other
(``mmlight.bridge.registry``) without replacing either.

Activation: mmengine's tree can hold something, and mmengine's builders can ask for something,
only once ``mmengine.registry`` has been imported. So the bridge activates exactly then (or at
once, when mmlight's registries load after it): whoever imports it (``import mmcv.cnn``, a
config's ``custom_imports``, ``mmseg.registry`` imported for ``default_scope='mmseg'``). It never
imports mmengine itself: ``import mmlight`` and runs that use mmlight alone load none of it, and
without mmengine installed nothing changes. This module imports no mmengine code at import time.

The current default scope is one state: mmengine's newest ``DefaultScope`` (mmseg's
``register_all_modules()``) is mmlight's current one when it is newer than mmlight's
(``mmlight.bridge.default_scope``).

The Runner hands its globals over with :func:`share_run_globals` (always; cheap): once the
bridge is active, mmengine's ``DefaultScope``/``MessageHub``/``MMLogger``/``Visualizer`` current
instances are the run's (``mmlight.bridge.run_globals``).
"""

from __future__ import annotations

from typing import Any

from mmlight.bridge.import_watch import after_import, is_imported

__all__ = [
    "MMENGINE_REGISTRY",
    "activate",
    "adopt",
    "as_mmlight_config",
    "config_for",
    "deactivate",
    "is_active",
    "model_wrapper_builder",
    "run_global",
    "share_run_globals",
    "watch_mmengine",
]

MMENGINE_REGISTRY = "mmengine.registry"

# The latest run's globals by kind ('default_scope', 'message_hub', 'logger', 'visualizer').
_run_globals: dict[str, Any] = {}


def activate() -> bool:
    """Install the bridge if mmengine's registry is imported; whether it is active afterwards."""
    if not is_imported(MMENGINE_REGISTRY):
        return False
    from mmlight.bridge import registry

    fresh = registry.installed() is None
    _install_parts()
    if fresh:
        _share_recorded()
    return True


def deactivate() -> None:
    """Remove the bridge (tests; a later :func:`activate` installs it again)."""
    if not is_imported("mmlight.bridge.registry"):
        return
    from mmlight.bridge import accepted_types, default_scope, registry

    registry.uninstall()
    accepted_types.uninstall()
    default_scope.uninstall()


def is_active() -> bool:
    """Whether the registry bridge is installed."""
    if not is_imported("mmlight.bridge.registry"):
        return False
    from mmlight.bridge import registry

    return registry.installed() is not None


def _install() -> None:
    # Called from inside mmengine.registry's import, right after its code ran (importlib still
    # marks it as initialising, so activate()'s check would say no).
    _install_parts()
    _share_recorded()


def _install_parts() -> None:
    from mmlight.bridge import accepted_types, default_scope, registry

    registry.install()
    accepted_types.install()
    default_scope.install()


def adopt(obj: Any) -> Any:
    """``obj`` as mmlight's own where mmengine's kind cannot run as it is (an mmengine
    ``OptimWrapper``/``OptimWrapperDict``, a loop class from mmengine's ``LOOPS``; the table is
    ``mmlight.bridge.accepted_types.ADOPTED_TYPES``), else ``obj`` as is."""
    if not is_imported("mmengine"):
        return obj  # no mmengine object can exist
    from mmlight.bridge import accepted_types

    return accepted_types.adopt(obj)


def model_wrapper_builder(wrapper_type: Any) -> Any:
    """For a ``model_wrapper_cfg`` type mmlight's own table lacks: the strategy-call builder
    of a downstream mmengine wrapper (a class, or a name ``MODEL_WRAPPERS`` resolves in the
    default scope), or None (``accepted_types.ADOPTED_TYPES``, ``mmlight.bridge.model_wrapper``)."""
    if not is_imported(MMENGINE_REGISTRY):
        return None  # no mmengine wrapper class is registered or can exist
    wrapper_class = wrapper_type
    if isinstance(wrapper_type, str):
        from mmlight.registry import MODEL_WRAPPERS

        with MODEL_WRAPPERS.switch_scope_and_registry(None) as registry:
            wrapper_class = registry.get(wrapper_type)
    if not isinstance(wrapper_class, type):
        return None
    adopted = adopt(wrapper_class)
    return None if adopted is wrapper_class else adopted


def as_mmlight_config(cfg: Any) -> Any:
    """mmengine's ``Config`` (or ``ConfigDict``) as mmlight's ``Config``; anything else as is."""
    if not is_imported("mmengine.config.config"):
        return cfg  # no mmengine Config can exist
    from mmlight.bridge import config

    return config.as_mmlight_config(cfg)


def config_for(consumer: Any, cfg: Any) -> Any:
    """``cfg`` as the ``Config`` class ``consumer`` takes: mmengine's ``Config`` for mmengine's
    visualizers and vis backends (their ``add_config`` asserts it), else ``cfg`` as is."""
    if not is_imported("mmengine.visualization"):
        return cfg  # no mmengine visualizer or backend can exist
    from mmlight.bridge import config

    return config.config_for(consumer, cfg)


def run_global(kind: str) -> Any:
    """The latest run's global of ``kind`` (None before any run gave one)."""
    return _run_globals.get(kind)


def share_run_globals(**instances: Any) -> None:
    """Record a run's globals (``default_scope=``, ``message_hub=``, ``logger=``,
    ``visualizer=``; None ones are skipped) and, with the bridge active, make them mmengine's
    current instances. Without mmengine imported this only records them."""
    for kind, instance in instances.items():
        if instance is not None:
            _run_globals[kind] = instance
    if is_active():
        from mmlight.bridge import run_globals

        for kind, instance in instances.items():
            if instance is not None:
                run_globals.share(kind, run_global)


def _share_recorded() -> None:
    if _run_globals:
        from mmlight.bridge import run_globals

        for kind in list(_run_globals):
            run_globals.share(kind, run_global)


def watch_mmengine() -> None:
    """Activate the bridge as soon as ``mmengine.registry`` is imported (now, if it is)."""
    after_import(MMENGINE_REGISTRY, _install)


# ``custom_imports=dict(imports=['mmlight.bridge'])`` in a config that mmengine's Config reads
# (a repo's own tools/train.py): mmlight's registries come along, and their import activates the
# bridge. (When mmlight.registry is what imports this module, this line only binds a name.)
import mmlight.registry  # noqa: E402,F401
