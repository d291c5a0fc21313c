"""Error classes: each is a ConfigError and the builtin type mmengine raises."""

from __future__ import annotations

import json
import pickle

import pytest
import yaml

from mmlight.config import errors
from mmlight.config.errors import ConfigError, did_you_mean


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (errors.ConfigKeyError, KeyError),
        (errors.ConfigAttributeError, AttributeError),
        (errors.ConfigTypeError, TypeError),
        (errors.ConfigValueError, ValueError),
        (errors.ConfigFileNotFoundError, FileNotFoundError),
        (errors.ConfigFormatError, OSError),
        (errors.ConfigParsingError, RuntimeError),
        (errors.ConfigBaseModuleNotFoundError, RuntimeError),
        (errors.ConfigBaseModuleNotFoundError, FileNotFoundError),
        (errors.ConfigCycleError, RecursionError),
        (errors.ConfigImportError, ImportError),
        (errors.ConfigModuleNotFoundError, ModuleNotFoundError),
        (errors.ConfigUnsupportedError, NotImplementedError),
        (errors.ConfigExternalBaseError, NotImplementedError),
        (errors.ConfigExternalBaseError, ModuleNotFoundError),
        (errors.ConfigYAMLError, yaml.YAMLError),
        (errors.DictActionError, AssertionError),
    ],
)
def test_hierarchy(cls: type, builtin: type) -> None:
    assert issubclass(cls, ConfigError) and issubclass(cls, builtin)
    error = cls("message")
    assert str(error) == "message"  # never repr-quoted, even for KeyError


def test_json_error_is_a_json_decode_error() -> None:
    error = errors.ConfigJSONError("bad json", '{"a": }', 6)
    assert isinstance(error, json.JSONDecodeError) and str(error) == "bad json"
    assert error.lineno == 1 and str(pickle.loads(pickle.dumps(error))) == "bad json"


def test_syntax_error_fields() -> None:
    error = errors.ConfigSyntaxError("msg", "f.py", 3, 2, "x = (")
    assert (error.filename, error.lineno, error.offset, error.text) == ("f.py", 3, 2, "x = (")
    assert str(error) == "msg"


def test_hints() -> None:
    assert did_you_mean("optimzer", ["optimizer", "model"]) == " Did you mean 'optimizer'?"
    assert did_you_mean("zzz", ["a", "b"]) == " Valid names: 'a', 'b'."
    assert did_you_mean("x", []) == ""
    many = did_you_mean("zzz", [f"k{i}" for i in range(20)])
    assert many.endswith("(8 more).")
    error = errors.ConfigKeyError("missing").with_hint("lrr", ["lr"])
    error.config_location = "cfg.py, line 2: x = y"
    assert str(error) == "missing Did you mean 'lr'? (in cfg.py, line 2: x = y)"
