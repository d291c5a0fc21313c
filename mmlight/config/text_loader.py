"""Loading ``_base_``-style configs (``.py``, ``.json``, ``.yaml``/``.yml``).

For one file: substitute predefined/env/base-reference text, load every ``_base_`` file
(recursively; sibling bases may not share top-level keys), run or parse this file with the
merged bases visible as ``_base_``, put base values where ``{{_base_.x}}`` stood, and merge
the result into the bases. Mirrors mmengine's ``Config._file2dict``.
"""

from __future__ import annotations

import ast
import builtins
import os
import os.path as osp
import posixpath
import types
import warnings
from dataclasses import dataclass, field
from typing import Any

from . import source
from .config_dict import ConfigDict
from .errors import (
    ConfigCycleError,
    ConfigFileNotFoundError,
    ConfigFormatError,
    ConfigIsADirectoryError,
    ConfigKeyError,
    ConfigParsingError,
    ConfigTypeError,
    ConfigValueError,
)
from .external import external_config_path, is_external, mark_scope
from .formats import parse_json, parse_yaml
from .lazy_loader import is_lazy_config, refuse_new_style
from .merge import MergeSides, merge_a_into_b
from .pysource import annotate_with_config_line, parse_python, redirect_config_imports
from .substitution import (
    BASE_KEY,
    BaseReferences,
    substitute_env_variables,
    substitute_predefined_variables,
)

__all__ = ["CONFIG_EXTENSIONS", "check_config_file", "load_text_config"]

CONFIG_EXTENSIONS = (".py", ".json", ".yaml", ".yml")
DEPRECATION_KEY = "_deprecation_"


def extension(filename: str) -> str:
    return posixpath.splitext(filename.replace("\\", "/").rsplit("/", 1)[-1])[1]


def check_config_file(filename: str, written: str | None = None) -> None:
    """Raise a clear error when ``filename`` is a directory, does not exist or has an
    unknown extension."""
    if not source.exists(filename):
        as_written = f"{written!r} (resolved to {filename!r})" if written else repr(filename)
        if source.is_dir(filename):
            raise ConfigIsADirectoryError(
                f"Config file {as_written} is a directory, not a config file; "
                + _configs_in(filename, written or filename)
            )
        raise ConfigFileNotFoundError(f"Config file {as_written} does not exist")
    ext = extension(filename)
    if ext not in CONFIG_EXTENSIONS:
        raise ConfigFormatError(
            f"Only py/yml/yaml/json type are supported now! Config file {filename!r} has "
            f"extension {ext!r}; valid extensions: {', '.join(CONFIG_EXTENSIONS)}"
        )


def _configs_in(directory: str, shown: str, limit: int = 5) -> str:
    """What to say about the configs directly inside ``directory`` (local folders only)."""
    if source.is_url(directory):
        return "give one of the config files in it"
    try:
        names = sorted(
            name for name in os.listdir(directory)
            if extension(name) in CONFIG_EXTENSIONS and osp.isfile(osp.join(directory, name))
        )
    except OSError:
        names = []
    if not names:
        return f"it holds no config files ({', '.join(CONFIG_EXTENSIONS)})"
    names.sort(key=lambda name: extension(name) != ".py")  # .py configs first
    shown_names = [osp.join(shown, name) for name in names[:limit]]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"give one of the configs in it: {', '.join(shown_names)}{more}"


@dataclass
class LoadOptions:
    use_predefined_variables: bool = True
    use_environment_variables: bool = True
    lazy_import: bool | None = None
    #: files currently being loaded, outermost first (to report inheritance cycles)
    chain: tuple[str, ...] = field(default=())


def load_text_config(
    filename: str, options: LoadOptions | None = None
) -> tuple[dict[str, Any], str, dict[str, str]]:
    """Load ``filename`` and its bases; return ``(cfg_dict, cfg_text, env_variables)``."""
    options = options or LoadOptions()
    filename = source.abspath(filename)
    if filename in options.chain:
        loop = " -> ".join([*options.chain[options.chain.index(filename) :], filename])
        raise ConfigCycleError(f"Config inheritance cycle: {loop}")
    check_config_file(filename)
    raw = source.read_text(filename)
    ext = extension(filename)

    if options.lazy_import is None and ext == ".py" and is_lazy_config(raw, filename):
        raise ConfigParsingError(
            "The configuration file type in the inheritance chain must match the current "
            'configuration file type, either "lazy_import" or non-"lazy_import". You got '
            "this error since you use the syntax like `with read_base(): ...` or import "
            f"non-builtin module in {filename}, which is inherited through `_base_` by "
            f"{options.chain[-1] if options.chain else 'the loaded config'}."
        )

    text = raw
    if options.use_predefined_variables:
        text = substitute_predefined_variables(text, filename)
    env_variables: dict[str, str] = {}
    if options.use_environment_variables:
        text, env_variables = substitute_env_variables(text, filename)
    refs = BaseReferences(text, filename)
    text = refs.text

    tree: ast.Module | None = None
    data: dict[str, Any] | None = None
    if ext == ".py":
        tree = parse_python(text, filename, raw)
        if options.lazy_import is False:
            refuse_new_style(tree, filename)
        base_files = _python_base_files(tree, filename)
    else:
        data = _parse_data(text, filename, ext)
        base_files = _as_file_list(data.get(BASE_KEY, []), filename)

    child_options = LoadOptions(
        options.use_predefined_variables,
        options.use_environment_variables,
        options.lazy_import,
        (*options.chain, filename),
    )
    bases = _load_bases(base_files, filename, child_options)
    env_variables.update(bases.env_variables)

    cfg_dict = dict(data or {}) if tree is None else _run_python(
        tree, filename, raw, bases.merged, options.chain
    )
    for key, value in list(cfg_dict.items()):
        if isinstance(value, (types.FunctionType, types.ModuleType)):
            cfg_dict.pop(key)

    if DEPRECATION_KEY in cfg_dict:
        _warn_deprecated(cfg_dict.pop(DEPRECATION_KEY), filename)

    cfg_text = filename + "\n" + raw
    cfg_dict = refs.resolve(cfg_dict, bases.merged, bases.files)
    refs.check_no_leftovers(cfg_dict)
    cfg_dict.pop(BASE_KEY, None)

    sides = MergeSides(child=filename, base_file_of=bases.key_sources.get)
    merged = merge_a_into_b(cfg_dict, bases.merged, sides=sides)
    result = {k: v for k, v in dict.items(merged) if not _is_dunder(k)}
    return result, "\n".join([*bases.texts, cfg_text]), env_variables


@dataclass
class _Bases:
    """The ``_base_`` files of one config, loaded and combined."""

    merged: ConfigDict = field(default_factory=ConfigDict)
    files: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    env_variables: dict[str, str] = field(default_factory=dict)
    #: top-level key -> the base file that defines it
    key_sources: dict[str, str] = field(default_factory=dict)


def _load_bases(base_files: list[str], filename: str, options: LoadOptions) -> _Bases:
    bases = _Bases()
    for written in base_files:
        resolved, scope = _resolve_base(written, filename)
        bases.files.append(resolved)
        base_dict, base_text, base_env = load_text_config(resolved, options)
        if scope is not None:
            mark_scope(base_dict, scope)
        bases.texts.append(base_text)
        bases.env_variables.update(base_env)
        duplicates = bases.merged.keys() & base_dict.keys()
        if duplicates:
            key = sorted(duplicates, key=str)[0]
            raise ConfigKeyError(
                f"Duplicate key is not allowed among bases. Duplicate keys: {duplicates}. "
                f"Key {key!r} is defined by both {bases.key_sources[key]} and {resolved}, which "
                f"are bases of {filename}. Rename it in one base, or set it in {filename} only."
            )
        for key in base_dict:
            bases.key_sources[key] = resolved
        bases.merged.update(_to_config_dict(base_dict))
    return bases


def _is_dunder(key: object) -> bool:
    return isinstance(key, str) and key.startswith("__")


def _parse_data(text: str, filename: str, ext: str) -> dict[str, Any]:
    data = parse_json(text, filename) if ext == ".json" else parse_yaml(text, filename)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigTypeError(
            f"Config file {filename} must hold a mapping (key: value pairs) at the top level, "
            f"but holds a {type(data).__name__}"
        )
    return data


def _python_base_files(tree: ast.Module, filename: str) -> list[str]:
    """Evaluate the first top-level ``_base_ = ...`` of a ``.py`` config."""
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == BASE_KEY
        ):
            expr = ast.Expression(body=node.value)
            try:
                value = eval(compile(expr, filename, mode="eval"), {"__builtins__": builtins})
            except Exception as e:
                raise ConfigValueError(
                    f"Cannot evaluate `_base_ = ...` in {filename}, line {node.lineno}: {e}. "
                    f"`_base_` must be a path string or a list of path strings."
                ) from e
            return _as_file_list(value, filename)
    return []


def _as_file_list(value: Any, filename: str) -> list[str]:
    files = list(value) if isinstance(value, (list, tuple)) else [value]
    for item in files:
        if not isinstance(item, str):
            raise ConfigTypeError(
                f"`_base_` in {filename} must be a path string or a list of path strings, "
                f"got {item!r} of type {type(item).__name__}"
            )
    return files


def _resolve_base(written: str, filename: str) -> tuple[str, str | None]:
    """The base's path, and the package scope of a ``package::path`` base (else None)."""
    if is_external(written):
        return external_config_path(written, filename)
    resolved = source.abspath(source.join(source.dirname(filename), written))
    if not source.exists(resolved):
        raise ConfigFileNotFoundError(
            f"Base config {written!r} not found: resolved to {resolved!r}, requested by "
            f"`_base_` in {filename}"
        )
    return resolved, None


def _to_config_dict(value: Any) -> Any:
    """Nested dicts -> ``ConfigDict`` (also inside lists/tuples), as bases are seen."""
    if isinstance(value, dict):
        converted = ConfigDict(value)
        for key, item in dict.items(converted):
            dict.__setitem__(converted, key, _to_config_dict(item))
        return converted
    if isinstance(value, list):
        return [_to_config_dict(item) for item in value]
    if isinstance(value, tuple):
        items = [_to_config_dict(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return value


class _DropBaseAssignments(ast.NodeTransformer):
    def visit_Assign(self, node: ast.Assign) -> ast.Assign | None:
        target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == BASE_KEY:
            return None
        return node


def _run_python(
    tree: ast.Module, filename: str, raw: str, base_cfg: ConfigDict, chain: tuple[str, ...]
) -> dict:
    tree = _DropBaseAssignments().visit(tree)
    tree = redirect_config_imports(tree)
    code = compile(tree, filename, mode="exec")
    namespace: dict[str, Any] = {BASE_KEY: base_cfg}
    annotate_with_config_line(lambda: exec(code, namespace), filename, raw, chain)
    return {
        key: value for key, value in namespace.items() if key != BASE_KEY and not _is_dunder(key)
    }


def _warn_deprecated(info: Any, filename: str) -> None:
    message = f"The config file {filename} will be deprecated in the future."
    if isinstance(info, dict):
        if "expected" in info:
            message += f" Please use {info['expected']} instead."
        if "reference" in info:
            message += f" More information can be found at {info['reference']}"
    warnings.warn(message, DeprecationWarning, stacklevel=2)
