"""The "migrate gradually" step as a user would script it: ``s/mmengine/mmlight/`` in code.

:func:`migrate_tree` copies a package's source tree and renames the module ``mmengine`` to
``mmlight`` wherever Python code names it: ``import mmengine``, ``import mmengine.x as y``,
``from mmengine.x import y`` and attribute paths such as ``mmengine.list_from_file(...)``. It works
on tokens (and, for the expressions inside f-strings, on the syntax tree), so strings, comments
and docstrings (``'mmengine.readthedocs.io'``, ``See
:class:`mmengine.fileio```) and longer names (``MMENGINE_MODELS``, ``mmengine_version``) stay as
they are, and so does every other import (mmcv keeps using mmengine).

This file is loaded by path in subprocess scripts (mmseg's wheel installs a top-level ``tests``
package that shadows this repository's), so it imports only the standard library.
"""

from __future__ import annotations

import ast
import io
import shutil
import tokenize
from pathlib import Path

__all__ = ["migrate_source", "migrate_tree"]

OLD, NEW = "mmengine", "mmlight"


def migrate_source(source: str) -> tuple[str, int]:
    """``source`` with every ``mmengine`` name token renamed; the text and how many were."""
    lines = source.splitlines(keepends=True)
    hits: set[tuple[int, int]] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string == OLD:
            hits.add(tok.start)
    # before Python 3.12 an f-string is one STRING token: its ``{mmengine.x}`` is found here
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id == OLD:
            start = (node.lineno, node.col_offset)
            if lines[start[0] - 1].startswith(OLD, start[1]):
                hits.add(start)
    # right to left within a line, so earlier columns stay valid
    for row, col in sorted(hits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + NEW + line[col + len(OLD) :]
    return "".join(lines), len(hits)


def migrate_tree(src: Path, dst: Path) -> dict[str, int]:
    """Copy the package directory ``src`` to ``dst`` and migrate its ``.py`` files.

    Returns the number of renamed names per migrated file (relative path), files without any
    left out. ``__pycache__`` is not copied (its bytecode would be the unmigrated code's).
    """
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    counts: dict[str, int] = {}
    for path in sorted(dst.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        migrated, count = migrate_source(text)
        if count:
            path.write_text(migrated, encoding="utf-8")
            counts[str(path.relative_to(dst))] = count
    return counts
