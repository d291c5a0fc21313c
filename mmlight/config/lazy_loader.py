"""Loading pure-Python ("new style", "lazy import") configs.

Such a config inherits with ``with read_base(): from .base import *`` and names classes by
importing them (``from torch.optim import SGD``; ``type=SGD``). Before running the file the
loader rewrites its syntax tree:

* the ``read_base`` block is unwrapped and each of its imports loads that base config (a
  ``.py`` file found from the module path) and binds the imported names;
* every other import of a non-standard-library module becomes an assignment of a
  :class:`LazyObject`, so nothing third-party is imported while loading;
* standard-library imports and ``mmengine.config``/``mmlight.config`` imports run for real
  (the latter redirected to mmlight, so mmengine need not be installed).

Mirrors mmengine's ``Config._parse_lazy_import`` and ``ImportTransformer``.
"""

from __future__ import annotations

import ast
import importlib.util
import os.path as osp
from typing import Any

from . import source
from .config_dict import ConfigDict
from .errors import (
    ConfigBaseModuleNotFoundError,
    ConfigCycleError,
    ConfigKeyError,
    ConfigModuleNotFoundError,
    ConfigParsingError,
)
from .lazy import LazyObject
from .pysource import (
    annotate_with_config_line,
    is_builtin_module,
    parse_python,
    redirect_config_imports,
)
from .substitution import BASE_KEY

__all__ = ["is_lazy_config", "load_lazy_config", "refuse_new_style"]

_LAZY_NAME = "__mmlight_LazyObject__"


def _is_read_base(expr: ast.expr) -> bool:
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    return (isinstance(func, ast.Name) and func.id == "read_base") or (
        isinstance(func, ast.Attribute) and func.attr == "read_base"
    )


def _is_base_assignment(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == BASE_KEY
    )


def _only_read_base(filename: str, node: ast.AST) -> ConfigParsingError:
    return ConfigParsingError(
        f"Only `read_base` context manager can be used in the config: {filename}, line "
        f"{getattr(node, 'lineno', '?')} uses another `with` statement"
    )


def is_lazy_config(text: str, filename: str) -> bool:
    """Whether a ``.py`` config is pure-Python style (mmengine's ``_is_lazy_import``).

    Decided by the first of these met walking the syntax tree breadth-first: a ``_base_ =``
    assignment (no), a ``with read_base()`` (yes; any other ``with`` is an error), a relative
    import or an import of a non-standard-library module (yes).
    """
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False  # the text loader reports it, with the substituted text
    for node in ast.walk(tree):
        if _is_base_assignment(node):
            return False
        if isinstance(node, ast.With):
            if not _is_read_base(node.items[0].context_expr):
                raise _only_read_base(filename, node)
            return True
        if isinstance(node, ast.ImportFrom):
            if node.level != 0:
                return True
            if node.module == "mmengine" and [a.name for a in node.names] == ["Config"]:
                continue
            if node.module is not None and not is_builtin_module(node.module):
                return True
        if isinstance(node, ast.Import) and any(
            not is_builtin_module(alias.name) for alias in node.names
        ):
            return True
    return False


def refuse_new_style(tree: ast.Module, filename: str) -> None:
    """Refuse to run a pure-Python config as an old-style one (``lazy_import=False``).

    Its ``with read_base():`` imports are relative imports of config files, which plain
    Python cannot run (mmengine fails with ``KeyError: '__name__' not in globals``).
    """
    for node in ast.walk(tree):
        relative = isinstance(node, ast.ImportFrom) and node.level > 0
        if relative or (isinstance(node, ast.With) and _is_read_base(node.items[0].context_expr)):
            what = "a relative import" if relative else "`with read_base():`"
            raise ConfigParsingError(
                f"{filename} is a pure-Python (lazy import) config: it uses {what} at line "
                f"{getattr(node, 'lineno', '?')}, which only the lazy loader can run. Load it "
                f"with lazy_import=None (the default) or True, not False."
            )


def _where(filename: str, node: ast.AST) -> str:
    return f"{filename}, line {getattr(node, 'lineno', '?')}"


def _lazy_assign(name: str, args: list[Any], location: str, node: ast.AST) -> ast.Assign:
    call = ast.Call(
        func=ast.Name(id=_LAZY_NAME, ctx=ast.Load()),
        args=[ast.Constant(value=a) if not isinstance(a, list) else _str_list(a) for a in args],
        keywords=[ast.keyword(arg="location", value=ast.Constant(value=location))],
    )
    assign = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=call)
    return ast.copy_location(assign, node)


def _str_list(items: list[str]) -> ast.List:
    return ast.List(elts=[ast.Constant(value=i) for i in items], ctx=ast.Load())


class _ImportRewriter(ast.NodeTransformer):
    """Bind base-config names, turn third-party imports into ``LazyObject`` assignments."""

    def __init__(
        self, namespace: dict[str, Any], bases: dict[str, tuple[str, ConfigDict]], filename: str
    ):
        self.namespace = namespace
        self.bases = bases
        self.filename = filename
        self.imported: set[str] = set()

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        module = "." * node.level + (node.module or "")
        if is_builtin_module(module):
            for alias in node.names:
                if alias.name == "*":
                    raise ConfigParsingError(
                        f"Cannot import * from non-base config: `from {module} import *` in "
                        f"{_where(self.filename, node)}"
                    )
                self.imported.add(alias.asname or alias.name)
            return node
        if module in self.bases:
            base_file, base = self.bases[module]
            for alias in node.names:
                if alias.name == "*":
                    self.namespace.update(dict.items(base))
                    continue
                if alias.name not in base:
                    raise ConfigKeyError(
                        f"Base config {base_file} has no variable {alias.name!r} (imported by "
                        f"`from {module} import {alias.name}` in {_where(self.filename, node)})."
                    ).with_hint(alias.name, dict.keys(base))
                self.namespace[alias.asname or alias.name] = dict.__getitem__(base, alias.name)
            return None
        assigns = []
        for alias in node.names:
            lineno = getattr(alias, "lineno", node.lineno)
            if alias.name == "*":
                raise ConfigParsingError(
                    f"Illegal syntax in config! `from xxx import *` is not allowed to appear "
                    f"outside the `with read_base():` block: `from {module} import *` in "
                    f"{self.filename}, line {lineno}"
                )
            name = alias.asname or alias.name
            self.imported.add(name)
            assigns.append(
                _lazy_assign(name, [module, alias.name], f"{self.filename}, line {lineno}", node)
            )
        return assigns

    def visit_Import(self, node: ast.Import) -> Any:
        kept: list[ast.stmt] = []
        for alias in node.names:
            single = ast.copy_location(ast.Import(names=[alias]), node)
            if alias.asname is None:
                if is_builtin_module(alias.name):
                    self.imported.add(alias.name.split(".")[0])
                kept.append(single)  # third-party ones are gathered per top-level name later
                continue
            self.imported.add(alias.asname)
            if is_builtin_module(alias.name):
                kept.append(single)
            else:
                location = f"{self.filename}, line {node.lineno}"
                kept.append(_lazy_assign(alias.asname, [alias.name], location, node))
        return kept


def _gather_plain_imports(tree: ast.Module, filename: str) -> set[str]:
    """``import a.b`` + ``import a.c`` at top level -> ``a = LazyObject(['a.b', 'a.c'])``."""
    grouped: dict[str, list[str]] = {}
    first: dict[str, ast.Import] = {}
    body: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.Import) and not is_builtin_module(node.names[0].name):
            alias = node.names[0]
            top = alias.name.split(".")[0]
            grouped.setdefault(top, []).append(alias.name)
            first.setdefault(top, node)
            continue
        body.append(node)
    assigns = []
    for top, names in grouped.items():
        location = f"{filename}, line {first[top].lineno}"
        assigns.append(_lazy_assign(top, [names], location, first[top]))
    tree.body = assigns + body
    return set(grouped)


def _base_module_path(module: str, filename: str, node: ast.AST) -> str:
    level = len(module) - len(module.lstrip("."))
    dotted = module[level:]
    if level:
        directory = source.dirname(filename)
        for _ in range(level - 1):
            directory = source.join(directory, "..")
        return source.abspath(source.join(directory, dotted.replace(".", "/") + ".py"))
    parts = dotted.split(".")
    if len(parts) == 1:
        raise ConfigParsingError(
            f"The imported configuration file should not be an independent package "
            f"{parts[0]}: `from {module} import ...` in {_where(filename, node)}. Here is an "
            f"example: `with read_base(): from mmdet.configs.retinanet_r50_fpn_1x_coco import *`"
        )
    spec = importlib.util.find_spec(parts[0])
    if spec is None:
        raise ConfigModuleNotFoundError(
            f"Cannot find the base config `{module}` imported in {_where(filename, node)}: "
            f"package {parts[0]!r} is not installed"
        )
    if spec.submodule_search_locations:
        root = next(iter(spec.submodule_search_locations))
    else:
        root = osp.dirname(spec.origin or "")
    return osp.join(root, *parts[1:]) + ".py"


def _collect_bases(
    body: list[ast.stmt], filename: str
) -> tuple[list[ast.stmt], list[tuple[str, ast.ImportFrom]]]:
    """Unwrap ``with read_base():`` blocks; return the new body and the base imports."""
    new_body: list[ast.stmt] = []
    bases: list[tuple[str, ast.ImportFrom]] = []
    seen_read_base = False
    for node in body:
        if _is_base_assignment(node):
            raise ConfigParsingError(
                "The configuration file type in the inheritance chain must match the current "
                'configuration file type, either "lazy_import" or non-"lazy_import". You got '
                'this error since you use the syntax like `_base_ = "..."` in '
                f"{_where(filename, node)}. You should use `with read_base(): ...` to mark the "
                "inherited config file."
            )
        # Like mmengine: the first top-level `with` must be `with read_base():`.
        if (
            isinstance(node, ast.With)
            and not seen_read_base
            and (not _is_read_base(node.items[0].context_expr) or len(node.items) > 1)
        ):
            raise _only_read_base(filename, node)
        if isinstance(node, ast.With) and _is_read_base(node.items[0].context_expr):
            seen_read_base = True
            if len(node.items) > 1:
                raise _only_read_base(filename, node)
            for stmt in node.body:
                if not isinstance(stmt, ast.ImportFrom):
                    raise ConfigParsingError(
                        "Illegal syntax in config file! Only `from ... import ...` may appear "
                        f"in `with read_base():` ({_where(filename, stmt)})"
                    )
                if stmt.module is None:
                    raise ConfigParsingError(
                        "Illegal syntax in config file! `from . import xxx` is not allowed in "
                        f"`with read_base():`; name the module ({_where(filename, stmt)})"
                    )
                bases.append(("." * stmt.level + stmt.module, stmt))
            new_body.extend(node.body)
            continue
        new_body.append(node)
    return new_body, bases


def load_lazy_config(filename: str, chain: tuple[str, ...] = ()) -> tuple[ConfigDict, set[str]]:
    """Run a pure-Python config; return its values and the names that are imports.

    ``ConfigDict.lazy`` must be set by the caller, so reading lazy values while the
    config runs does not import them.
    """
    filename = source.abspath(filename)
    if filename in chain:
        loop = " -> ".join([*chain[chain.index(filename) :], filename])
        raise ConfigCycleError(f"Config inheritance cycle: {loop}")
    text = source.read_text(filename)
    tree = parse_python(text, filename)
    tree.body, base_imports = _collect_bases(tree.body, filename)

    bases: dict[str, tuple[str, ConfigDict]] = {}
    base_imported: set[str] = set()
    for module, node in base_imports:
        if module in bases:
            continue
        path = _base_module_path(module, filename, node)
        if not source.exists(path):
            raise ConfigBaseModuleNotFoundError(
                f"{path} not found! `from {module} import ...` in `with read_base():` at "
                f"{_where(filename, node)} names a base config that does not exist (resolved to "
                f"{path})."
            )
        base_cfg, names = load_lazy_config(path, (*chain, filename))
        base_imported |= names
        bases[module] = (path, base_cfg)

    namespace: dict[str, Any] = {_LAZY_NAME: LazyObject, "__file__": filename}
    rewriter = _ImportRewriter(namespace, bases, filename)
    tree = rewriter.visit(tree)
    plain = _gather_plain_imports(tree, filename)
    tree = redirect_config_imports(tree)
    code = compile(ast.fix_missing_locations(tree), filename, mode="exec")
    annotate_with_config_line(lambda: exec(code, namespace), filename, text, chain)

    values = {k: v for k, v in namespace.items() if not k.startswith("__")}
    return _to_config_dict(values), rewriter.imported | plain | base_imported


def _to_config_dict(value: Any) -> Any:
    """Every dict -> ``ConfigDict``, recursively, without importing lazy values."""
    if isinstance(value, dict):
        converted = ConfigDict()
        for key, item in dict.items(value):
            converted[key] = _to_config_dict(item)
        return converted
    if isinstance(value, (list, tuple)):
        items = [_to_config_dict(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    return value
