"""``Config``: the facade users load, read, edit and dump configs through.

Same interface and behaviour as ``mmengine.config.Config``; the work is done by the
loaders (:mod:`.text_loader`, :mod:`.lazy_loader`), :mod:`.merge` and :mod:`.pretty`.
"""

from __future__ import annotations

import ast
import copy
import difflib
import logging
import os
import sys
import tempfile
import warnings
from argparse import ArgumentParser
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import source
from .config_dict import ConfigDict
from .errors import (
    ConfigFormatError,
    ConfigImportError,
    ConfigKeyError,
    ConfigParsingError,
    ConfigSyntaxError,
    ConfigTypeError,
)
from .formats import dumps
from .lazy_loader import is_lazy_config, load_lazy_config
from .merge import MergeSides, merge_a_into_b
from .pretty import format_config
from .text_loader import (
    CONFIG_EXTENSIONS,
    LoadOptions,
    check_config_file,
    extension,
    load_text_config,
)

__all__ = ["RESERVED_KEYS", "Config"]

RESERVED_KEYS = ("filename", "text", "pretty_text", "env_variables")
logger = logging.getLogger(__name__)


class Config:
    """A config loaded from a ``.py``/``.json``/``.yaml`` file or built from a dict.

    Reads like a dict and like an object (``cfg['model']``, ``cfg.model.type``); nested
    dicts are :class:`ConfigDict`.

    Args:
        cfg_dict: the config values.
        cfg_text: the source text (defaults to the contents of ``filename``).
        filename: the file the config came from.
        env_variables: environment variables the file used.
        format_python_code: check that :attr:`pretty_text` is valid Python.
    """

    def __init__(
        self,
        cfg_dict: dict | None = None,
        cfg_text: str | None = None,
        filename: str | Path | None = None,
        env_variables: dict | None = None,
        format_python_code: bool = True,
    ):
        filename = str(filename) if isinstance(filename, Path) else filename
        if cfg_dict is None:
            cfg_dict = {}
        elif not isinstance(cfg_dict, dict):
            raise ConfigTypeError(f"cfg_dict must be a dict, but got {type(cfg_dict)}")
        for key in cfg_dict:
            if key in RESERVED_KEYS:
                where = f" (in {filename})" if filename else ""
                raise ConfigKeyError(
                    f"{key} is reserved for config file{where}; the reserved keys are "
                    f"{', '.join(RESERVED_KEYS)}. Rename the key."
                )
        if not isinstance(cfg_dict, ConfigDict):
            cfg_dict = ConfigDict(cfg_dict)
        object.__setattr__(self, "_cfg_dict", cfg_dict)
        object.__setattr__(self, "_filename", filename)
        object.__setattr__(self, "_format_python_code", format_python_code)
        if "_imported_names" not in self.__dict__:
            object.__setattr__(self, "_imported_names", set())
        if cfg_text:
            text = cfg_text
        elif filename:
            text = source.read_text(filename)
        else:
            text = ""
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_env_variables", {} if env_variables is None else env_variables)

    # ------------------------------------------------------------------ loading
    @staticmethod
    def fromfile(
        filename: str | Path,
        use_predefined_variables: bool = True,
        import_custom_modules: bool = True,
        use_environment_variables: bool = True,
        lazy_import: bool | None = None,
        format_python_code: bool = True,
    ) -> Config:
        """Load a config file (local path or fsspec URL) and everything it inherits."""
        filename = str(filename) if isinstance(filename, Path) else filename
        path = source.abspath(filename)
        check_config_file(path, written=filename if path != filename else None)
        ext = extension(path)
        if lazy_import and ext != ".py":
            raise ConfigParsingError(
                f"lazy_import=True applies to pure-Python (.py) configs only, but {filename} "
                f"is a {ext} file"
            )
        lazy = lazy_import
        if lazy is None:
            lazy = ext == ".py" and is_lazy_config(source.read_text(path), path)
        if not lazy:
            options = LoadOptions(use_predefined_variables, use_environment_variables, lazy_import)
            cfg_dict, cfg_text, env_variables = load_text_config(path, options)
            if import_custom_modules and cfg_dict.get("custom_imports", None):
                _import_custom_modules(cfg_dict["custom_imports"], filename)
            return Config(
                cfg_dict,
                cfg_text=cfg_text,
                filename=filename,
                env_variables=env_variables,
                format_python_code=format_python_code,
            )
        previous = ConfigDict.lazy
        ConfigDict.lazy = True  # read lazy imports as placeholders while configs run
        try:
            cfg_dict, imported_names = load_lazy_config(path)
        finally:
            ConfigDict.lazy = previous
        cfg = Config(
            cfg_dict,
            cfg_text=source.read_text(path),
            filename=filename,
            format_python_code=format_python_code,
        )
        object.__setattr__(cfg, "_imported_names", imported_names)
        return cfg

    @staticmethod
    def fromstring(cfg_str: str, file_format: str) -> Config:
        """Load a config from text; ``file_format`` is ``'.py'``, ``'.json'``, ``'.yaml'``..."""
        if file_format not in CONFIG_EXTENSIONS:
            raise ConfigFormatError(
                f"Only py/yml/yaml/json type are supported now! Got file_format="
                f"{file_format!r}; valid values: {', '.join(CONFIG_EXTENSIONS)}"
            )
        if file_format != ".py" and "dict(" in cfg_str:
            warnings.warn('Please check "file_format", the file format may be .py', stacklevel=2)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", suffix=file_format, delete=False
        ) as temp_file:
            temp_file.write(cfg_str)
        try:
            return Config.fromfile(temp_file.name)
        finally:
            os.remove(temp_file.name)

    @staticmethod
    def auto_argparser(description: str | None = None) -> tuple[ArgumentParser, Config]:
        """Build an ``ArgumentParser`` with one flag per config value (experimental)."""
        partial_parser = ArgumentParser(description=description)
        partial_parser.add_argument("config", help="config file path")
        cfg_file = partial_parser.parse_known_args()[0].config
        cfg = Config.fromfile(cfg_file)
        parser = ArgumentParser(description=description)
        parser.add_argument("config", help="config file path")
        _add_args(parser, cfg)
        return parser, cfg

    @staticmethod
    def diff(cfg1: str | Config, cfg2: str | Config) -> str:
        """Unified diff of the two configs' :attr:`pretty_text` (uncoloured)."""
        first = Config.fromfile(cfg1) if isinstance(cfg1, str) else cfg1
        second = Config.fromfile(cfg2) if isinstance(cfg2, str) else cfg2
        lines = difflib.unified_diff(first.pretty_text.split("\n"), second.pretty_text.split("\n"))
        return "".join(line + "\n" for line in lines) + "\n"

    @staticmethod
    def _merge_a_into_b(a: dict, b: dict, allow_list_keys: bool = False) -> dict:
        """Merge ``a`` into a copy of ``b`` (mmengine's private helper, kept for callers)."""
        return merge_a_into_b(a, b, allow_list_keys)

    # ------------------------------------------------------------------ properties
    @property
    def filename(self) -> str | None:
        return self._filename

    @property
    def text(self) -> str:
        return self._text

    @property
    def env_variables(self) -> dict:
        return self._env_variables

    @property
    def pretty_text(self) -> str:
        """The config as Python source that loads back to an equal config."""
        text, problems = format_config(self.to_dict())
        if not self._format_python_code:
            return text
        if problems:
            path, value = problems[0]
            raise ConfigSyntaxError(
                f"Failed to format the config file: {path} = {value!r} (type "
                f"{type(value).__name__}) has no Python source form. Store a string instead "
                f"(e.g. the dotted import path), or drop it before dumping."
            )
        try:
            ast.parse(text)
        except SyntaxError as e:
            raise ConfigSyntaxError(
                f"Failed to format the config file, please check the syntax of: \n{text}"
            ) from e
        return text

    # ------------------------------------------------------------------ mapping protocol
    def __repr__(self) -> str:
        return f"Config (path: {self.filename}): {self._cfg_dict.__repr__()}"

    def __len__(self) -> int:
        return len(self._cfg_dict)

    def __getattr__(self, name: str) -> Any:
        cfg_dict = self.__dict__.get("_cfg_dict")
        if cfg_dict is None:  # half-built instance (unpickling, copying)
            raise AttributeError(name)
        return getattr(cfg_dict, name)

    def __getitem__(self, name: Any) -> Any:
        return self._cfg_dict.__getitem__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, dict):
            value = ConfigDict(value)
        self._cfg_dict.__setattr__(name, value)

    def __setitem__(self, name: Any, value: Any) -> None:
        if isinstance(value, dict):
            value = ConfigDict(value)
        self._cfg_dict.__setitem__(name, value)

    def __delattr__(self, name: str) -> None:
        del self._cfg_dict[name]

    def __delitem__(self, name: Any) -> None:
        del self._cfg_dict[name]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cfg_dict)

    def __contains__(self, name: object) -> bool:
        return name in self._cfg_dict

    # ------------------------------------------------------------------ copy / pickle
    def __getstate__(self) -> tuple[Any, ...]:
        return (
            self._cfg_dict,
            self._filename,
            self._text,
            self._env_variables,
            self._format_python_code,
            self._imported_names,
        )

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        names = (
            "_cfg_dict",
            "_filename",
            "_text",
            "_env_variables",
            "_format_python_code",
            "_imported_names",
        )
        for name, value in zip(names, state):
            object.__setattr__(self, name, value)

    def __deepcopy__(self, memo: dict[int, Any]) -> Config:
        other = self.__class__.__new__(self.__class__)
        memo[id(self)] = other
        for key, value in self.__dict__.items():
            object.__setattr__(other, key, copy.deepcopy(value, memo))
        return other

    def __copy__(self) -> Config:
        other = self.__class__.__new__(self.__class__)
        other.__dict__.update(self.__dict__)
        object.__setattr__(other, "_cfg_dict", self._cfg_dict.copy())
        return other

    copy = __copy__

    # ------------------------------------------------------------------ export / edit
    def _to_lazy_dict(self, keep_imported: bool = False) -> dict:
        """Plain dicts with lazy imports left in place; imported names dropped by default."""
        result = self._cfg_dict._to_lazy_dict()
        if not keep_imported:
            result = {k: v for k, v in result.items() if k not in self._imported_names}
        return result

    def to_dict(self, keep_imported: bool = False) -> dict:
        """Plain nested dicts; lazy imports become dotted strings like ``'torch.optim.SGD'``.

        Names a pure-Python config imports are left out unless ``keep_imported``.
        """
        result = self._cfg_dict.to_dict()
        if not keep_imported:
            result = {k: v for k, v in result.items() if k not in self._imported_names}
        return result

    def dump(self, file: str | Path | None = None) -> str | bytes | None:
        """Write the config to ``file`` (format from its extension; fsspec URLs work), or
        return it as text when ``file`` is None (in the format of :attr:`filename`)."""
        file = str(file) if isinstance(file, Path) else file
        if file is None:
            if self.filename is None or self.filename.endswith(".py"):
                return self.pretty_text
            return dumps(self.to_dict(), self.filename.split(".")[-1])
        if file.endswith(".py"):
            source.write_text(file, self.pretty_text)
            return None
        data = dumps(self.to_dict(), file.split(".")[-1])
        if isinstance(data, bytes):
            source.write_bytes(file, data)
        else:
            source.write_text(file, data)
        return None

    def merge_from_dict(self, options: dict, allow_list_keys: bool = True) -> None:
        """Merge dotted-key options (``{'model.backbone.depth': 50, 'pipeline.1.scale': 2}``).

        A digit segment indexes into a list when ``allow_list_keys``; dict values merge
        (unless they carry ``_delete_=True``), other values replace.
        """
        nested: dict[str, Any] = {}
        for full_key, value in options.items():
            node: Any = nested
            parts = str(full_key).split(".")
            for depth, part in enumerate(parts[:-1]):
                node.setdefault(part, ConfigDict())
                node = node[part]
                if not isinstance(node, dict):
                    prefix = ".".join(parts[: depth + 1])
                    raise ConfigTypeError(
                        f"Option {full_key!r} conflicts with another option that sets "
                        f"{prefix!r} to {node!r}: give either {prefix!r} or keys below it"
                    )
            node[parts[-1]] = value
        sides = MergeSides(child="the options", option_keys=[str(k) for k in options])
        merged = merge_a_into_b(nested, self._cfg_dict, allow_list_keys, sides)
        object.__setattr__(self, "_cfg_dict", merged)


def _import_custom_modules(custom_imports: Any, filename: str) -> None:
    if not isinstance(custom_imports, dict):
        raise ConfigTypeError(
            f"custom_imports in {filename} must be a dict such as "
            f"dict(imports=['my_pkg.models'], allow_failed_imports=False), got "
            f"{type(custom_imports).__name__}"
        )
    from mmlight.utils import import_modules_from_strings

    try:
        import_modules_from_strings(**custom_imports)
    except ImportError as e:
        paths = "".join(f"\n    {p}" for p in sys.path)
        raise ConfigImportError(
            f"Failed to import custom modules from {dict(custom_imports)} (custom_imports in "
            f"{filename}): {e}\nThe current sys.path is: {paths}\nYou should set `PYTHONPATH` "
            f"to make `sys.path` include the directory which contains your custom module"
        ) from e


def _add_args(parser: ArgumentParser, cfg: Any, prefix: str = "") -> ArgumentParser:
    for key, value in cfg.items():
        flag = "--" + prefix + str(key)
        if isinstance(value, str):
            parser.add_argument(flag)
        elif isinstance(value, bool):
            parser.add_argument(flag, action="store_true")
        elif isinstance(value, int):
            parser.add_argument(flag, type=int)
        elif isinstance(value, float):
            parser.add_argument(flag, type=float)
        elif isinstance(value, dict):
            _add_args(parser, value, prefix + str(key) + ".")
        elif isinstance(value, Iterable) and value:
            parser.add_argument(flag, type=type(next(iter(value))), nargs="+")
        else:
            logger.warning("cannot parse key %s of type %s", prefix + str(key), type(value))
    return parser
