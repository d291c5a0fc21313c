"""A config that raises while it loads, and a directory given as a config.

Before: the original ``ZeroDivisionError``/``NameError`` escaped without file or line (the
CLI printed only ``ZeroDivisionError: division by zero``), and a directory was reported as
"does not exist".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mmlight.config import Config, ConfigError
from mmlight.config.errors import ConfigExecutionError, ConfigIsADirectoryError, execution_error

Write = Callable[[str, str], str]


def test_error_in_a_py_config_names_file_line_and_error(write: Write) -> None:
    path = write("bad.py", "a = 1\nb = dict(x=1)\ny = 1 / 0\n")
    with pytest.raises(ConfigError, match=r"bad\.py, line 3 \(y = 1 / 0\), raised "
                       r"ZeroDivisionError: division by zero$") as info:
        Config.fromfile(path)
    error = info.value
    assert isinstance(error, ZeroDivisionError)  # `except ZeroDivisionError` keeps working
    assert isinstance(error, ConfigExecutionError)
    assert isinstance(error.__cause__, ZeroDivisionError)
    assert error.original is error.__cause__


def test_name_error_in_a_base_names_the_base_and_who_inherits_it(write: Write) -> None:
    write("base.py", "lr = 0.1\nsteps = undefined_name * 2\n")
    write("mid.py", "_base_ = ['base.py']\n")
    child = write("child.py", "_base_ = ['mid.py']\nx = 1\n")
    with pytest.raises(NameError, match=r"base\.py, line 2 \(steps = undefined_name \* 2\), "
                       r"raised NameError: name 'undefined_name' is not defined; it is a "
                       r"_base_ of .*mid\.py <- .*child\.py") as info:
        Config.fromfile(child)
    assert isinstance(info.value, ConfigError)


def test_error_raised_in_a_function_the_config_calls_points_at_the_config_line(
    write: Write,
) -> None:
    path = write("calls.py", "import json\n\nx = 2\nvalue = json.loads('{bad')\n")
    with pytest.raises(ValueError, match=r"calls\.py, line 4 \(value = json\.loads"):
        Config.fromfile(path)


def test_error_in_a_pure_python_config(write: Write) -> None:
    write("lazy_base.py", "lr = 0.1\n")
    path = write(
        "lazy.py",
        "from mmlight.config import read_base\n\nwith read_base():\n"
        "    from .lazy_base import *\n\nmodel = {}['missing']\n",
    )
    with pytest.raises(KeyError, match=r"lazy\.py, line 6 \(model = \{\}\['missing'\]\), "
                       r"raised KeyError: 'missing'") as info:
        Config.fromfile(path)
    assert isinstance(info.value, ConfigError)


def test_config_errors_keep_their_own_type(write: Write) -> None:
    """A ConfigError raised while the config runs is annotated, not re-wrapped."""
    path = write("own.py", "from mmlight.config import ConfigDict\nx = ConfigDict(a=1).b\n")
    with pytest.raises(ConfigError, match=r"own\.py, line 2") as info:
        Config.fromfile(path)
    assert not isinstance(info.value, ConfigExecutionError)


def test_execution_error_falls_back_when_the_type_wants_more_arguments() -> None:
    original = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    error = execution_error(original, "cfg.py, line 1 raised UnicodeDecodeError")
    assert isinstance(error, ConfigExecutionError)
    assert isinstance(error, UnicodeError)  # the nearest type that takes a message alone
    assert not isinstance(error, UnicodeDecodeError)
    assert str(error) == "cfg.py, line 1 raised UnicodeDecodeError"


def test_directory_as_config_says_so_and_lists_configs(tmp_path: Path) -> None:
    folder = tmp_path / "configs"
    folder.mkdir()
    for name in ["b.py", "a.py", "c.yaml", "notes.txt"]:
        (folder / name).write_text("x = 1\n")
    with pytest.raises(ConfigIsADirectoryError, match=r"is a directory, not a config file; "
                       r"give one of the configs in it: .*a\.py, .*b\.py, .*c\.yaml$") as info:
        Config.fromfile(folder)
    assert isinstance(info.value, IsADirectoryError)
    assert "does not exist" not in str(info.value)


def test_directory_listing_is_short(tmp_path: Path) -> None:
    for index in range(8):
        (tmp_path / f"cfg{index}.py").write_text("x = 1\n")
    with pytest.raises(ConfigError, match=r"cfg4\.py and 3 more$"):
        Config.fromfile(tmp_path)


def test_empty_directory_as_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"is a directory, not a config file; it holds no "
                       r"config files \(\.py, \.json, \.yaml, \.yml\)"):
        Config.fromfile(tmp_path)
