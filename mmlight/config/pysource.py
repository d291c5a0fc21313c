"""Helpers for running ``.py`` configs: parsing with located errors, import redirection,
and adding the config line to errors raised while the config runs.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from typing import Any

from .errors import ConfigError, ConfigSyntaxError, execution_error

__all__ = [
    "annotate_with_config_line",
    "is_builtin_module",
    "is_config_module",
    "parse_python",
    "redirect_config_imports",
]

#: names that ``from mmengine import X`` may import and that mmlight.config provides
_CONFIG_NAMES = frozenset({"Config", "ConfigDict", "DictAction", "read_base"})


def is_config_module(name: str) -> bool:
    """``mmengine.config``/``mmlight.config`` and their submodules (run eagerly, never lazy)."""
    return any(
        name == root or name.startswith(root + ".")
        for root in ("mmengine.config", "mmlight.config")
    )


def is_builtin_module(name: str) -> bool:
    """True when an import of ``name`` runs for real in a pure-Python config.

    mmengine decides this from where the module's file lives, which misfires inside virtual
    environments (it then treats ``os`` as third-party); mmlight uses the interpreter's list
    of standard-library modules instead.
    """
    if name.startswith("."):
        return False
    if is_config_module(name):
        return True
    top = name.split(".")[0]
    return top in sys.stdlib_module_names or top in sys.builtin_module_names


def parse_python(text: str, filename: str, raw: str | None = None) -> ast.Module:
    """``ast.parse`` with an error that names the file, the line and shows it."""
    try:
        return ast.parse(text, filename=filename)
    except SyntaxError as e:
        lineno = e.lineno or 0
        lines = (raw if raw is not None else text).splitlines()
        line = lines[lineno - 1] if 0 < lineno <= len(lines) else (e.text or "").rstrip("\n")
        caret = ""
        if e.offset and line:
            caret = "\n    " + " " * (e.offset - 1) + "^"
        raise ConfigSyntaxError(
            f"There are syntax errors in config file {filename}, line {lineno}: {e.msg}\n"
            f"    {line}{caret}",
            filename=filename,
            lineno=lineno,
            offset=e.offset,
            text=line,
        ) from None


def redirect_config_imports(tree: ast.Module) -> ast.Module:
    """Make ``from mmengine.config import X`` (and ``from mmengine import Config``) load
    mmlight's config classes, so configs written for mmengine run without it."""

    class _Redirect(ast.NodeTransformer):
        def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.ImportFrom:
            module = node.module or ""
            if node.level == 0 and is_config_module(module) and module.startswith("mmengine"):
                node.module = "mmlight" + module[len("mmengine") :]
            elif (
                node.level == 0
                and module == "mmengine"
                and node.names
                and all(alias.name in _CONFIG_NAMES for alias in node.names)
            ):
                node.module = "mmlight.config"
            return node

    return ast.fix_missing_locations(_Redirect().visit(tree))


def _config_lineno(error: BaseException, filename: str) -> int | None:
    lineno = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


def _shown_line(text: str, lineno: int) -> str:
    lines = text.splitlines()
    return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""


def annotate_with_config_line(
    run: Callable[[], Any], filename: str, text: str, chain: tuple[str, ...] = ()
) -> Any:
    """Call ``run`` (which executes the config ``filename``, source ``text``).

    A :class:`ConfigError` it raises gets the config file and line added. Any other
    exception becomes a :class:`ConfigExecutionError` (also of the original type) naming the
    file, the line of the config that raised, the original error and, for a ``_base_`` file,
    the configs that inherit it (``chain``, outermost first); the original is its cause.
    """
    try:
        return run()
    except ConfigError as e:
        if e.config_location is None:
            lineno = _config_lineno(e, filename)
            if lineno is not None:
                e.config_location = f"{filename}, line {lineno}: {_shown_line(text, lineno)}"
        raise
    except Exception as e:
        lineno = _config_lineno(e, filename)
        where = f"config file {filename}"
        if lineno is not None:
            where += f", line {lineno}"
            line = _shown_line(text, lineno)
            if line:
                where += f" ({line})"
            where += ","
        detail = str(e).strip().splitlines()
        original = type(e).__name__ + (f": {detail[0]}" if detail else "")
        inherited = f"; it is a _base_ of {' <- '.join(reversed(chain))}" if chain else ""
        raise execution_error(e, f"{where} raised {original}{inherited}") from e
