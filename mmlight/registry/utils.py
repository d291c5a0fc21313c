"""Registry helpers: set the default scope, and list what is registered where."""

from __future__ import annotations

import datetime
import json
import logging
import os
from importlib import import_module
from typing import Any

from mmlight.registry import root
from mmlight.registry.default_scope import DefaultScope
from mmlight.registry.registry import Registry
from mmlight.utils.imports import is_missing_module_error

__all__ = ["count_registered_modules", "init_default_scope", "traverse_registry_tree"]

logger = logging.getLogger(__name__)

# Packages whose import fills the root registries (those that do not exist yet are skipped).
_REGISTERING_PACKAGES = (
    "mmlight.dataset",
    "mmlight.evaluator",
    "mmlight.hooks",
    "mmlight.model",
    "mmlight.optim",
    "mmlight.runner",
    "mmlight.visualization",
)


def traverse_registry_tree(registry: Registry, verbose: bool = True) -> list[dict[str, Any]]:
    """Per registry of the tree ``registry`` belongs to (root first, depth-first): its scope,
    how many names it holds, and those names grouped by the folder of their module."""
    modules_info: list[dict[str, Any]] = []

    def visit(node: Registry) -> None:
        info: dict[str, Any] = {"num_modules": len(node.module_dict), "scope": node.scope}
        for name, obj in node.module_dict.items():
            module = str(getattr(obj, "__module__", None) or "")
            folder = "/".join(module.split(".")[:-1])
            info.setdefault(folder, []).append(name)
        if verbose:
            logger.info(
                "Find %d modules in %s's '%s' registry",
                len(node.module_dict),
                node.scope,
                node.name,
            )
        modules_info.append(info)
        for child in node.children.values():
            visit(child)

    visit(registry.root)
    return modules_info


def count_registered_modules(save_path: str | None = None, verbose: bool = True) -> dict[str, Any]:
    """Import mmlight's registering packages, then summarise every root registry's tree.

    With ``save_path`` the summary is also written to
    ``<save_path>/modules_statistic_results.json``.
    """
    for package in _REGISTERING_PACKAGES:
        try:
            import_module(package)
        except ModuleNotFoundError as err:
            if not is_missing_module_error(err, package):
                raise
    registries_info = {
        name: traverse_registry_tree(value, verbose)
        for name, value in sorted(vars(root).items())
        if isinstance(value, Registry) and not name.startswith("_") and name != "COLLATE_FUNCTIONS"
    }
    scan_data: dict[str, Any] = {
        "scan_date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "registries": registries_info,
    }
    if verbose:
        logger.info("Finish registry analysis, got: %s", scan_data)
    if save_path is not None:
        os.makedirs(save_path, exist_ok=True)
        json_path = os.path.join(save_path, "modules_statistic_results.json")
        with open(json_path, "w", encoding="utf-8") as f:
            json.dump(scan_data, f, indent=2)
        logger.info("Result has been saved to %s", json_path)
    return scan_data


def init_default_scope(scope: str) -> None:
    """Make ``scope`` the default scope (forcing it, with a warning, if another one is current)."""
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created(scope):
        DefaultScope.get_instance(scope, scope_name=scope)
        return
    if current.scope_name != scope:
        logger.warning(
            'The current default scope "%s" is not "%s", `init_default_scope` will force set '
            'the current default scope to "%s".',
            current.scope_name,
            scope,
            scope,
        )
        DefaultScope.get_instance(f"{scope}-{datetime.datetime.now()}", scope_name=scope)
