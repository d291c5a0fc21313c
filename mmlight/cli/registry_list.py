"""``mmlight registry [NAME]``: what each registry holds, per scope, for people migrating.

``-c CONFIG`` first imports the config's ``custom_imports`` (so a project's own classes show)
and lists the config's ``default_scope`` registries too.
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
        for registry in iter_registries(roots[key]):
            registry.import_from_location()
            names = sorted(registry.module_dict)
            lines.append(f"{key} ({registry.scope}::{registry.name}): {len(names)} registered")
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
