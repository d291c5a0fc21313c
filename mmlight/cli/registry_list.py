"""``mmlight registry [NAME]``: what each registry holds, per scope, for people migrating.

``-c CONFIG`` first imports the config's ``custom_imports`` (so a project's own classes show)
and lists the config's ``default_scope`` registries too.

With another registry tree plugged in (an installed mmengine's, through ``mmlight.bridge``),
each root is followed by that tree's registries for the same root (mmcv's names in mmengine's
root, mmseg's child registries, ...), their headers marked ``from <origin>``: the names
mmlight's lookups also resolve, though ``len(MODELS)``/``MODELS.module_dict`` count mmlight's
own only (as mmengine's count a registry's own).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from mmlight.cli.errors import CLIError, Phase, run_guarded

__all__ = ["iter_registries", "list_registries", "main"]

PROG = "mmlight registry"


def root_registries() -> dict[str, Any]:
    """``{'MODELS': <Registry model>, ...}``: mmlight's root registries by constant name."""
    import mmlight.registry as registry_pkg
    from mmlight.registry import Registry

    roots = {
        name: getattr(registry_pkg, name)
        for name in registry_pkg.__all__
        if name.isupper() and isinstance(getattr(registry_pkg, name), Registry)
    }
    roots.pop("COLLATE_FUNCTIONS", None)  # an alias of FUNCTIONS
    return roots


def iter_registries(root: Any) -> Iterator[Any]:
    """``root`` and its child registries, depth first."""
    yield root
    for child in root.children.values():
        yield from iter_registries(child)


def _listed(root: Any) -> Iterator[Any]:
    """mmlight's registries under ``root``, then the other tree's for it (each once)."""
    from mmlight.registry import external

    seen: set[int] = set()
    other = external.current()
    after = other.after_root(root) if other is not None else None
    trees = [root] if after is None else [root, after]
    for tree in trees:
        for registry in iter_registries(tree):
            if id(registry) in seen or (tree is root and registry.is_external_view):
                continue  # a view hung in mmlight's tree is listed with its own tree
            seen.add(id(registry))
            yield registry


def _import_locations(root: Any) -> dict[int, str]:
    """Import every listed registry's ``locations`` (a package's modules register into its
    parents too: mmseg's models bring mmcv's layers into mmengine's root); id -> why one failed."""
    failed: dict[int, str] = {}
    for registry in _listed(root):
        try:
            registry.import_from_location()
        except Exception as err:  # a package whose modules need what is not installed
            failed[id(registry)] = f"{type(err).__name__}: {err}"
    return failed


def _find(name: str, roots: dict[str, Any]) -> list[str]:
    """Constant names matching ``name`` ('MODELS', 'models', 'model' all match MODELS)."""
    wanted = name.upper().replace(" ", "_")
    matches = [
        key for key, reg in roots.items()
        if wanted in (key, key.rstrip("S"), reg.name.upper().replace(" ", "_"))
    ]
    if not matches:
        from mmlight.config.errors import did_you_mean

        raise CLIError(f"no registry named {name!r}.{did_you_mean(wanted, roots)}")
    return matches


def list_registries(name: str | None = None) -> str:
    roots = root_registries()
    keys = _find(name, roots) if name else list(roots)
    lines: list[str] = []
    for key in keys:
        failures = _import_locations(roots[key])
        for registry in _listed(roots[key]):
            names = sorted(registry._module_dict)
            failed = failures.get(id(registry))
            origin = getattr(registry, "origin", None) if registry.is_external_view else None
            source = f", from {origin}" if origin else ""
            lines.append(
                f"{key} ({registry.scope}::{registry.name}{source}): {len(names)} registered"
            )
            if failed is not None:
                lines.append(f"  (its locations did not import: {failed})")
            lines.extend(f"  {n}" for n in names)
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="List registered names per registry and scope."
    )
    parser.add_argument("name", nargs="?", help="one registry, e.g. MODELS, models or hook")
    parser.add_argument(
        "-c", "--config", help="import this config's custom_imports and default_scope first"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    return parser


def _body(argv: list[str], phase: Phase) -> None:
    args = build_parser().parse_args(argv)
    if args.config:
        from mmlight.cli.resolve import load_config
        from mmlight.registry.registry import _import_scope_registry

        cfg = load_config(args.config)
        scope = cfg.get("default_scope", None)
        if isinstance(scope, str):
            _import_scope_registry(scope)
    sys.stdout.write(list_registries(args.name))


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded(PROG, _body, argv)
