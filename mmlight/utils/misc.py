"""Small type checks, casts and decorators shared by OpenMMLab code (mmengine.utils.misc).

Downstream packages import these from ``mmengine.utils`` / ``mmengine.utils.misc``; the same
paths under ``mmlight.utils`` give the same results, messages and exception types.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import shutil
import textwrap
import warnings
from collections import abc
from collections.abc import Callable, Iterable, Iterator
from importlib import import_module
from inspect import getfullargspec
from typing import Any, TypeVar, cast

from mmlight.utils.imports import get_object_from_string, import_modules_from_strings

__all__ = [
    "apply_to",
    "check_prerequisites",
    "concat_list",
    "deprecated_api_warning",
    "deprecated_function",
    "get_object_from_string",
    "has_method",
    "import_modules_from_strings",
    "is_list_of",
    "is_method_overridden",
    "is_seq_of",
    "is_str",
    "is_tuple_of",
    "iter_cast",
    "list_cast",
    "requires_executable",
    "requires_package",
    "slice_list",
    "to_1tuple",
    "to_2tuple",
    "to_3tuple",
    "to_4tuple",
    "to_ntuple",
    "tuple_cast",
]

_F = TypeVar("_F", bound=Callable[..., Any])


def to_ntuple(n: int) -> Callable[[Any], Any]:
    """A converter that repeats a scalar ``n`` times and passes any iterable through unchanged.

    Layer arguments such as ``kernel_size=3`` or ``(3, 5)`` are normalised with it. Strings are
    iterable and therefore returned as they are, exactly like mmengine (and torch) do.
    """

    def convert(x: Any) -> Any:
        if isinstance(x, abc.Iterable):
            return x
        return (x,) * n

    return convert


to_1tuple = to_ntuple(1)
to_2tuple = to_ntuple(2)
to_3tuple = to_ntuple(3)
to_4tuple = to_ntuple(4)


def is_str(x: Any) -> bool:
    """Whether ``x`` is a ``str`` (kept for code written when Python 2 strings existed)."""
    return isinstance(x, str)


def iter_cast(inputs: Iterable[Any], dst_type: type, return_type: type | None = None) -> Any:
    """Convert every element of ``inputs`` with ``dst_type``.

    Returns a lazy iterator, or a ``return_type`` container (``list``, ``tuple``) when given.
    """
    if not isinstance(inputs, abc.Iterable):
        raise TypeError("inputs must be an iterable object")
    if not isinstance(dst_type, type):
        raise TypeError('"dst_type" must be a valid type')
    converted: Iterator[Any] = map(dst_type, inputs)
    if return_type is None:
        return converted
    return return_type(converted)


def list_cast(inputs: Iterable[Any], dst_type: type) -> list[Any]:
    """:func:`iter_cast` collected into a list."""
    return iter_cast(inputs, dst_type, return_type=list)


def tuple_cast(inputs: Iterable[Any], dst_type: type) -> tuple[Any, ...]:
    """:func:`iter_cast` collected into a tuple."""
    return iter_cast(inputs, dst_type, return_type=tuple)


def is_seq_of(
    seq: Any, expected_type: type | tuple[type, ...], seq_type: type | None = None
) -> bool:
    """Whether ``seq`` is a ``seq_type`` (any Sequence by default) of ``expected_type`` items.

    An empty sequence of the right kind passes. ``seq_type`` must be a class (AssertionError).
    """
    if seq_type is None:
        container: type = abc.Sequence
    else:
        if not isinstance(seq_type, type):
            raise AssertionError(f"seq_type must be a class, but got {seq_type!r}")
        container = seq_type
    if not isinstance(seq, container):
        return False
    return all(isinstance(item, expected_type) for item in cast(Iterable[Any], seq))


def is_list_of(seq: Any, expected_type: type | tuple[type, ...]) -> bool:
    """Whether ``seq`` is a list whose items are all ``expected_type``."""
    return is_seq_of(seq, expected_type, seq_type=list)


def is_tuple_of(seq: Any, expected_type: type | tuple[type, ...]) -> bool:
    """Whether ``seq`` is a tuple whose items are all ``expected_type``."""
    return is_seq_of(seq, expected_type, seq_type=tuple)


def slice_list(in_list: list[Any], lens: int | list[int]) -> list[list[Any]]:
    """Cut ``in_list`` into consecutive pieces of the given lengths.

    An int means equal pieces of that length (it must divide the list: AssertionError
    otherwise); a list of lengths must add up to the list's length (ValueError otherwise).
    """
    if isinstance(lens, int):
        if len(in_list) % lens != 0:
            raise AssertionError(
                f"a list of length {len(in_list)} cannot be cut into pieces of length {lens}"
            )
        lens = [lens] * (len(in_list) // lens)
    if not isinstance(lens, list):
        raise TypeError('"indices" must be an integer or a list of integers')
    total = sum(lens)
    if total != len(in_list):
        raise ValueError(f"sum of lens and list length does not match: {total} != {len(in_list)}")
    pieces = []
    start = 0
    for length in lens:
        pieces.append(in_list[start : start + length])
        start += length
    return pieces


def concat_list(in_list: Iterable[Iterable[Any]]) -> list[Any]:
    """Flatten one level: a list of lists becomes one list."""
    return list(itertools.chain.from_iterable(in_list))


def apply_to(data: Any, expr: Callable[[Any], bool], apply_func: Callable[[Any], Any]) -> Any:
    """Replace every leaf of nested dicts/lists/tuples for which ``expr`` holds by ``apply_func``.

    Container types are kept (dict subclasses, namedtuples, lists, tuples); leaves that do not
    match are returned unchanged. Strings are leaves, not containers.
    """
    if isinstance(data, dict):
        result = type(data)()
        for key, value in data.items():
            result[key] = apply_to(value, expr, apply_func)
        return result
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(apply_to(item, expr, apply_func) for item in data))
    if isinstance(data, (tuple, list)):
        return type(data)(apply_to(item, expr, apply_func) for item in data)
    if expr(data):
        return apply_func(data)
    return data


_PREREQUISITES_MSG = (
    'Prerequisites "{}" are required in method "{}" but not found, please install them first.'
)


def check_prerequisites(
    prerequisites: str | list[str],
    checker: Callable[[str], bool],
    msg_tmpl: str = _PREREQUISITES_MSG,
) -> Callable[[_F], _F]:
    """Decorator factory: refuse to run the function while a prerequisite is missing.

    The check happens at call time (not at decoration), so a module can define functions that
    need optional tools and fail only when they are used. The missing names are printed with
    ``msg_tmpl`` and ``RuntimeError('Prerequisites not meet.')`` is raised, as in mmengine.
    """

    def decorate(func: _F) -> _F:
        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            names = [prerequisites] if isinstance(prerequisites, str) else prerequisites
            missing = [name for name in names if not checker(name)]
            if missing:
                print(msg_tmpl.format(", ".join(missing), func.__name__))
                raise RuntimeError("Prerequisites not meet.")
            return func(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def _is_importable(package: str) -> bool:
    try:
        import_module(package)
    except ImportError:
        return False
    return True


def _is_executable_on_path(cmd: str) -> bool:
    # shutil.which instead of a shell ``which``: same answer, no shell, no noise on stdout.
    return shutil.which(cmd) is not None


def requires_package(prerequisites: str | list[str]) -> Callable[[_F], _F]:
    """Decorator: the function needs these Python packages importable."""
    return check_prerequisites(prerequisites, checker=_is_importable)


def requires_executable(prerequisites: str | list[str]) -> Callable[[_F], _F]:
    """Decorator: the function needs these programs on ``PATH``."""
    return check_prerequisites(prerequisites, checker=_is_executable_on_path)


def _deprecated_arg_message(src: str, dst: str, func_name: str) -> str:
    return f'"{src}" is deprecated in `{func_name}`, please use "{dst}" instead'


def deprecated_api_warning(
    name_dict: dict[str, str], cls_name: str | None = None
) -> Callable[[_F], _F]:
    """Decorator: accept renamed keyword arguments under their old names, with a warning.

    ``name_dict`` maps old names to new ones. An old keyword is moved to the new one with a
    DeprecationWarning; passing both raises AssertionError. Positional arguments whose
    parameter carries an old name only warn.
    """

    def decorate(old_func: _F) -> _F:
        @functools.wraps(old_func)
        def renamed(*args: Any, **kwargs: Any) -> Any:
            func_name = old_func.__name__
            if cls_name is not None:
                func_name = f"{cls_name}.{func_name}"
            if args:
                arg_names = getfullargspec(old_func).args[: len(args)]
                for src, dst in name_dict.items():
                    if src in arg_names:
                        warnings.warn(
                            _deprecated_arg_message(src, dst, func_name),
                            DeprecationWarning,
                            stacklevel=2,
                        )
                        arg_names[arg_names.index(src)] = dst
            for src, dst in name_dict.items():
                if src in kwargs:
                    if dst in kwargs:
                        raise AssertionError(
                            f"The expected behavior is to replace the deprecated key `{src}` to "
                            f"new key `{dst}`, but got them in the arguments at the same time, "
                            f"which is confusing. `{src} will be deprecated in the future, "
                            f"please use `{dst}` instead."
                        )
                    warnings.warn(
                        _deprecated_arg_message(src, dst, func_name),
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[dst] = kwargs.pop(src)
            return old_func(*args, **kwargs)

        return renamed  # type: ignore[return-value]

    return decorate


def is_method_overridden(method: str, base_class: type, derived_class: type | Any) -> bool:
    """Whether ``derived_class`` (a class or an instance of one) redefines ``base_class.method``.

    ``base_class`` must be a class: AssertionError otherwise, as in mmengine.
    """
    if not isinstance(base_class, type):
        raise AssertionError("base_class doesn't accept instance, Please pass class instead.")
    if not isinstance(derived_class, type):
        derived_class = type(derived_class)
    return bool(getattr(derived_class, method) != getattr(base_class, method))


def has_method(obj: object, method: str) -> bool:
    """Whether ``obj.method`` exists and is callable (a data attribute does not count)."""
    return callable(getattr(obj, method, None))


def _with_deprecation_note(doc: str | None, since: str, removed_in: str, instructions: str) -> str:
    """The docstring of a deprecated function: a ``.. deprecated::`` note, then the old text.

    The old text is dedented and re-indented by four spaces under the note; the summary (up to
    the first blank line) line by line, the body as one block, giving mmengine's exact layout.
    """
    indent = "    "
    note = (
        f".. deprecated:: {since}\n"
        f"    Deprecated and will be removed in version {removed_in}.\n"
        f"    Please {instructions}.\n"
    )
    parts = re.split("\n\n", doc or "", maxsplit=1)
    summary = "\n".join(textwrap.dedent(line) for line in parts[0].split("\n"))
    summary = textwrap.indent(summary, prefix=indent)
    if len(parts) == 1:
        return f"{note}\n\n{summary}"
    body = textwrap.indent(textwrap.dedent(parts[1]), indent)
    return f"{note}\n\n{summary}\n\n{body}"


def deprecated_function(since: str, removed_in: str, instructions: str) -> Callable[[_F], _F]:
    """Decorator: log a deprecation warning on each call and say so in the docstring.

    The warning goes to the current MMLogger (created on demand), like mmengine's.
    """

    def decorate(function: _F) -> _F:
        @functools.wraps(function)
        def warned(*args: Any, **kwargs: Any) -> Any:
            from mmlight.logging import print_log

            print_log(
                f"'{function.__module__}.{function.__name__}' is deprecated in version "
                f"{since} and will be removed in version {removed_in}. Please {instructions}.",
                logger="current",
                level=logging.WARNING,
            )
            return function(*args, **kwargs)

        warned.__doc__ = _with_deprecation_note(function.__doc__, since, removed_in, instructions)
        return warned  # type: ignore[return-value]

    return decorate
