"""How much of mmengine's public API mmlight has, module by module (needs mmengine installed).

    python benchmarks/mmengine_api_coverage.py [--missing] [--module mmengine.fileio]

Every public mmengine module that declares ``__all__`` (private modules, those whose name has
a part starting with ``_``, are skipped) is paired with the mmlight module of the same dotted
path (``mmengine`` -> ``mmlight``). A name counts as present when that mmlight module imports
and has it. tests/test_api_surface.py pins the names downstream code uses; this is the
wider view over everything mmengine exports.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import warnings


def public_modules(root: str = "mmengine") -> list[str]:
    """Names of ``root`` and its public submodules that import and declare ``__all__``."""
    package = importlib.import_module(root)
    names = [root]
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{root}.",
                                      onerror=lambda _name: None):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    found = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except Exception:  # an optional dependency missing here: that module is not counted
            continue
        if isinstance(getattr(module, "__all__", None), list | tuple):
            found.append(name)
    return found


def coverage(module_name: str) -> tuple[list[str], list[str]]:
    """(present, missing) names of ``module_name.__all__`` at the mmlight path."""
    exported = list(importlib.import_module(module_name).__all__)
    target = "mmlight" + module_name.removeprefix("mmengine")
    try:
        counterpart = importlib.import_module(target)
    except Exception:
        return [], exported
    present = [name for name in exported if hasattr(counterpart, name)]
    return present, [name for name in exported if name not in present]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--missing", action="store_true", help="list the missing names")
    parser.add_argument("--module", action="append", default=[],
                        help="only these mmengine modules (default: all public ones)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    modules = args.module or public_modules()
    total_present = total = 0
    for name in modules:
        present, missing = coverage(name)
        count = len(present) + len(missing)
        total_present, total = total_present + len(present), total + count
        rate = 100 * len(present) / max(count, 1)
        print(f"{name:55s} {len(present):4d}/{count:<4d} {rate:5.1f}%")
        if args.missing and missing:
            print("    missing: " + ", ".join(missing))
    print(f"{'all':55s} {total_present:4d}/{total:<4d} {100 * total_present / max(total, 1):5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
