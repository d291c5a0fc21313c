"""``mmlight migrate-imports PATH...``: the "migrate gradually" step, ``s/mmengine/mmlight/`` done
right.

Renames the module ``mmengine`` to ``mmlight`` wherever Python code names it - ``import
mmengine``, ``import mmengine.x as y``, ``from mmengine.x import y``, attribute paths such as
``mmengine.list_from_file(...)`` (f-string expressions included) - and nowhere else: strings,
comments, docstrings, longer names (``MMENGINE_MODELS``) and every other import (mmcv, mmdet, ...
keep using mmengine; the bridge joins the two) stay as they are. Works on tokens, so the files
keep their formatting. ``--check`` only reports (exit 1 if anything would change).
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from collections.abc import Iterator, Sequence
from pathlib import Path

from mmlight.cli.errors import CLIError, Phase, run_guarded

__all__ = ["main", "migrate_source", "python_files"]

PROG = "mmlight migrate-imports"
OLD, NEW = "mmengine", "mmlight"
_SKIPPED_DIRS = {"__pycache__", ".git", ".venv", "venv", "build", "dist", ".tox", ".nox"}


def migrate_source(source: str, filename: str = "<source>") -> tuple[str, int]:
    """``source`` with every ``mmengine`` name renamed; the text and how many were renamed."""
    try:
        tree = ast.parse(source, filename)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (SyntaxError, tokenize.TokenError) as error:
        raise CLIError(f"{filename}: not valid Python ({error}); nothing was changed") from None
    hits = {tok.start for tok in tokens if tok.type == tokenize.NAME and tok.string == OLD}
    lines = source.splitlines(keepends=True)
    # Before Python 3.12 an f-string is one STRING token: its {mmengine.x} is a Name node.
    names = (n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == OLD)
    for node in names:
        if lines[node.lineno - 1].startswith(OLD, node.col_offset):
            hits.add((node.lineno, node.col_offset))
    for row, col in sorted(hits, reverse=True):  # right to left: earlier columns stay valid
        line = lines[row - 1]
        lines[row - 1] = line[:col] + NEW + line[col + len(OLD) :]
    return "".join(lines), len(hits)


def python_files(paths: Sequence[str]) -> Iterator[Path]:
    """The ``.py`` files named or found under the folders named (virtualenvs and caches skipped)."""
    for given in paths:
        path = Path(given)
        if path.is_file():
            yield path
        elif path.is_dir():
            for found in sorted(path.rglob("*.py")):
                if not _SKIPPED_DIRS & set(found.relative_to(path).parts[:-1]):
                    yield found
        else:
            raise CLIError(f"{given}: no such file or directory")


def _body(argv: list[str], phase: Phase) -> None:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Rename mmengine to mmlight in Python imports and module paths."
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (recursive)")
    parser.add_argument(
        "--check", action="store_true", help="only list what would change; exit 1 if anything"
    )
    args = parser.parse_args(argv)
    files = list(python_files(args.paths))
    migrated = {}
    for path in files:  # everything is read and checked before anything is written
        text = path.read_text(encoding="utf-8")
        new, count = migrate_source(text, str(path))
        if count:
            migrated[path] = (new, count)
    for path, (new, count) in migrated.items():
        if not args.check:
            path.write_text(new, encoding="utf-8")
        sys.stdout.write(f"{path}: {count} name{'s' if count > 1 else ''}\n")
    verb = "would change" if args.check else "changed"
    total = sum(count for _, count in migrated.values())
    sys.stdout.write(f"{verb} {total} names in {len(migrated)} of {len(files)} files\n")
    if args.check and migrated:
        raise SystemExit(1)


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded(PROG, _body, argv)
