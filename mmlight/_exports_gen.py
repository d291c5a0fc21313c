"""Regenerate :mod:`mmlight._exports`, the top level's name -> subpackage table.

Run ``python -m mmlight._exports_gen`` after changing the ``__all__`` of a subpackage that
the top level re-exports; ``tests/test_toplevel_exports.py`` fails until the table matches.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from mmlight._exports import STAR_ORDER

__all__ = ["compute_exports", "main", "render"]

_HEADER = '''"""Which subpackage each top-level name of :mod:`mmlight` comes from (generated).

``mmengine/__init__.py`` star-imports the subpackages in ``STAR_ORDER``; on a name collision
the later one wins, and this table records the winner. ``import mmlight`` reads it instead of
importing the subpackages. Regenerate with ``python -m mmlight._exports_gen``.
"""

from __future__ import annotations

__all__ = ["EXPORTS", "STAR_ORDER"]

STAR_ORDER: tuple[str, ...] = ({star_order})

EXPORTS: dict[str, str] = {{
'''


def compute_exports() -> dict[str, str]:
    """Import each star-exported subpackage and map every name of its ``__all__`` to it."""
    exports: dict[str, str] = {}
    for subpackage in STAR_ORDER:
        module = importlib.import_module(f"mmlight.{subpackage}")
        for name in module.__all__:
            exports[name] = subpackage  # later star-imports shadow earlier ones
    return exports


def render(exports: dict[str, str]) -> str:
    """The source text of ``mmlight/_exports.py`` for ``exports``, grouped by subpackage."""
    star_order = ", ".join(f'"{name}"' for name in STAR_ORDER)
    lines = [_HEADER.format(star_order=star_order)]
    for subpackage in STAR_ORDER:
        names = sorted(name for name, owner in exports.items() if owner == subpackage)
        lines.append(f"    # mmlight.{subpackage}\n")
        lines.extend(f'    "{name}": "{subpackage}",\n' for name in names)
    lines.append("}\n")
    return "".join(lines)


def main() -> None:
    target = Path(__file__).with_name("_exports.py")
    target.write_text(render(compute_exports()), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
