"""mmlight.utils.misc: mmengine.utils.misc's helpers, unit tests and parity with mmengine."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from mmlight.utils import misc
from mmlight.utils.misc import (
    apply_to,
    concat_list,
    deprecated_api_warning,
    deprecated_function,
    has_method,
    is_list_of,
    is_method_overridden,
    is_seq_of,
    is_str,
    is_tuple_of,
    iter_cast,
    list_cast,
    requires_executable,
    requires_package,
    slice_list,
    to_1tuple,
    to_2tuple,
    to_3tuple,
    to_4tuple,
    to_ntuple,
    tuple_cast,
)


def _mmengine_misc() -> Any:
    pytest.importorskip("mmengine")
    from mmengine.utils import misc as theirs

    return theirs


# ---------------------------------------------------------------- tuples, casts, checks
def test_to_ntuple() -> None:
    assert to_1tuple(2) == (2,)
    assert to_2tuple(2) == (2, 2)
    assert to_3tuple(2) == (2, 2, 2)
    assert to_4tuple(2) == (2, 2, 2, 2)
    assert to_ntuple(6)(2) == (2,) * 6
    # iterables pass through untouched (strings included)
    assert to_2tuple((3, 5)) == (3, 5)
    assert to_2tuple("ab") == "ab"
    lst = [1, 2, 3]
    assert to_2tuple(lst) is lst


def test_is_str() -> None:
    assert is_str("a")
    assert not is_str(b"a")


def test_iter_cast() -> None:
    assert list_cast([1, 2, 3], int) == [1, 2, 3]
    assert list_cast(["1.1", 2, "3"], float) == [1.1, 2.0, 3.0]
    assert list_cast([1, 2, 3], str) == ["1", "2", "3"]
    assert tuple_cast((1, 2, 3), str) == ("1", "2", "3")
    assert next(iter_cast([1, 2, 3], str)) == "1"
    assert iter_cast([1, 2], str, return_type=set) == {"1", "2"}
    with pytest.raises(TypeError, match='"dst_type" must be a valid type'):
        iter_cast([1, 2, 3], "")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="inputs must be an iterable object"):
        iter_cast(1, str)  # type: ignore[arg-type]


def test_is_seq_of() -> None:
    assert is_seq_of([1.0, 2.0, 3.0], float)
    assert is_seq_of([(1,), (2,), (3,)], tuple)
    assert is_seq_of((1.0, 2.0, 3.0), float)
    assert is_seq_of([], int)
    assert is_seq_of("abc", str)  # a str is a Sequence of str
    assert is_seq_of([1, "a"], (int, str))
    assert is_list_of([1.0, 2.0, 3.0], float)
    assert not is_seq_of((1.0, 2.0, 3.0), float, seq_type=list)
    assert not is_tuple_of([1.0, 2.0, 3.0], float)
    assert not is_seq_of([1.0, 2, 3], int)
    assert not is_seq_of((1.0, 2, 3), int)
    assert not is_seq_of({1, 2}, int)
    with pytest.raises(AssertionError):
        is_seq_of([1], int, seq_type="list")  # type: ignore[arg-type]


def test_slice_list() -> None:
    in_list = [1, 2, 3, 4, 5, 6]
    assert slice_list(in_list, [1, 2, 3]) == [[1], [2, 3], [4, 5, 6]]
    assert slice_list(in_list, [len(in_list)]) == [in_list]
    assert slice_list(in_list, 2) == [[1, 2], [3, 4], [5, 6]]
    with pytest.raises(TypeError, match='"indices" must be an integer or a list of integers'):
        slice_list(in_list, 2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sum of lens and list length does not match: 3 != 6"):
        slice_list(in_list, [1, 2])
    with pytest.raises(AssertionError, match="length 6 cannot be cut into pieces of length 4"):
        slice_list(in_list, 4)


def test_concat_list() -> None:
    assert concat_list([[1, 2]]) == [1, 2]
    assert concat_list([[1, 2], [3, 4, 5], [6]]) == [1, 2, 3, 4, 5, 6]
    assert concat_list([]) == []


# ---------------------------------------------------------------- apply_to
def test_apply_to_keeps_container_types() -> None:
    data = OrderedDict(a=[1, (2, "x")], b={"c": 3.0})
    out = apply_to(data, lambda x: isinstance(x, int), lambda x: x + 1)
    assert type(out) is OrderedDict
    assert out == OrderedDict(a=[2, (3, "x")], b={"c": 3.0})
    assert isinstance(out["a"][1], tuple)

    point = namedtuple("point", ["x", "y"])
    res = apply_to(point(1, {"k": 2}), lambda x: isinstance(x, int), str)
    assert type(res) is point and res == point("1", {"k": "2"})
    # strings are leaves
    assert apply_to("test", lambda x: x == "test", lambda x: "train") == "train"


def test_apply_to_tensors() -> None:
    torch = pytest.importorskip("torch")
    data = {"a": [{"c": torch.tensor(1)}], "b": torch.tensor(2)}
    out = apply_to(data, lambda x: isinstance(x, torch.Tensor), lambda x: x.numpy())
    assert isinstance(out["b"], np.ndarray)
    assert isinstance(out["a"][0]["c"], np.ndarray)


# ---------------------------------------------------------------- prerequisites
def test_requires_package(capsys: pytest.CaptureFixture[str]) -> None:
    @requires_package("nnn_mmlight_absent")
    def func_a() -> None:
        pass

    @requires_package(["numpy", "n1_mmlight_absent", "n2_mmlight_absent"])
    def func_b() -> None:
        pass

    @requires_package("numpy")
    def func_c() -> int:
        return 1

    with pytest.raises(RuntimeError, match=r"Prerequisites not meet\."):
        func_a()
    out, _ = capsys.readouterr()
    assert out == (
        'Prerequisites "nnn_mmlight_absent" are required in method "func_a" but not found, '
        "please install them first.\n"
    )
    with pytest.raises(RuntimeError):
        func_b()
    out, _ = capsys.readouterr()
    assert out == (
        'Prerequisites "n1_mmlight_absent, n2_mmlight_absent" are required in method "func_b" '
        "but not found, please install them first.\n"
    )
    assert func_c() == 1
    assert func_c.__name__ == "func_c"


def test_requires_executable(capsys: pytest.CaptureFixture[str]) -> None:
    @requires_executable("nnn_mmlight_absent")
    def func_a() -> None:
        pass

    @requires_executable(["ls", "n1_mmlight_absent"])
    def func_b() -> None:
        pass

    @requires_executable("mv")
    def func_c() -> int:
        return 1

    with pytest.raises(RuntimeError, match=r"Prerequisites not meet\."):
        func_a()
    out, _ = capsys.readouterr()
    assert '"nnn_mmlight_absent" are required in method "func_a"' in out
    with pytest.raises(RuntimeError):
        func_b()
    out, _ = capsys.readouterr()
    assert '"n1_mmlight_absent" are required in method "func_b"' in out
    assert func_c() == 1


def test_check_prerequisites_custom_template(capsys: pytest.CaptureFixture[str]) -> None:
    @misc.check_prerequisites(["a", "b"], checker=lambda n: n == "a", msg_tmpl="{1} needs {0}")
    def job() -> None:
        pass

    with pytest.raises(RuntimeError):
        job()
    assert capsys.readouterr().out == "job needs b\n"


# ---------------------------------------------------------------- deprecations
def test_deprecated_api_warning() -> None:
    @deprecated_api_warning(name_dict={"old_key": "new_key"})
    def dummy_func(new_key: int = 1) -> int:
        return new_key

    with pytest.warns(DeprecationWarning, match='"old_key" is deprecated in `dummy_func`'):
        assert dummy_func(old_key=2) == 2  # type: ignore[call-arg]
    with pytest.raises(AssertionError, match="`old_key` to new key `new_key`"):
        dummy_func(old_key=1, new_key=2)  # type: ignore[call-arg]


def test_deprecated_api_warning_positional_and_cls_name() -> None:
    @deprecated_api_warning({"old": "new"}, cls_name="Thing")
    def f(old: int, other: int = 0) -> int:
        return old + other

    with pytest.warns(DeprecationWarning, match=r'"old" is deprecated in `Thing.f`, please use'):
        assert f(1, 2) == 3


_LONG_DOC = """This is a long summary. This is a long summary. This is a long
        summary. This is a long summary.

        Args:
            arg1 (int): Long description with a line break. Long description
                with a line break.
            arg2 (int): short description.

        Returns:
            Long description without a line break. Long description without
            a line break.
        """


def test_deprecated_function_docstring_and_log(capsys: pytest.CaptureFixture[str]) -> None:
    from mmlight.logging import MMLogger

    def demo(arg1: int, arg2: int) -> tuple[int, int]:
        return arg1, arg2

    demo.__doc__ = _LONG_DOC
    wrapped = deprecated_function("0.2.0", "0.3.0", "toy instruction")(demo)
    expected = (
        ".. deprecated:: 0.2.0\n"
        "    Deprecated and will be removed in version 0.3.0.\n"
        "    Please toy instruction.\n\n\n"
        "    This is a long summary. This is a long summary. This is a long\n"
        "    summary. This is a long summary.\n\n"
        "    Args:\n"
        "        arg1 (int): Long description with a line break. Long description\n"
        "            with a line break.\n"
        "        arg2 (int): short description.\n\n"
        "    Returns:\n"
        "        Long description without a line break. Long description without\n"
        "        a line break.\n"
    )
    assert wrapped.__doc__ == expected

    MMLogger.get_instance("test_deprecated_function_mmlight")
    try:
        capsys.readouterr()
        assert wrapped(1, 2) == (1, 2)
    finally:
        MMLogger._instance_dict.pop("test_deprecated_function_mmlight", None)
    out = capsys.readouterr().out
    assert "WARNING" in out
    assert (
        f"'{__name__}.demo' is deprecated in version 0.2.0 and will be removed in version 0.3.0. "
        "Please toy instruction." in out
    )

    def short() -> None:
        """Short summary."""

    wrapped_short = deprecated_function("0.2.0", "0.3.0", "toy instruction")(short)
    assert wrapped_short.__doc__ == (
        ".. deprecated:: 0.2.0\n"
        "    Deprecated and will be removed in version 0.3.0.\n"
        "    Please toy instruction.\n\n\n"
        "    Short summary."
    )


# ---------------------------------------------------------------- methods
def test_is_method_overridden() -> None:
    class Base:
        def foo1(self) -> None:
            pass

        def foo2(self) -> None:
            pass

    class Sub(Base):
        def foo1(self) -> None:
            pass

    assert is_method_overridden("foo1", Base, Sub)
    assert not is_method_overridden("foo2", Base, Sub)
    assert is_method_overridden("foo1", Base, Sub())
    assert not is_method_overridden("foo2", Base, Sub())
    with pytest.raises(AssertionError, match="base_class doesn't accept instance"):
        is_method_overridden("foo1", Base(), Sub())  # type: ignore[arg-type]


def test_has_method() -> None:
    class Foo:
        def __init__(self, name: str) -> None:
            self.name = name

        def print_name(self) -> None:
            print(self.name)

    foo = Foo("foo")
    assert not has_method(foo, "name")
    assert has_method(foo, "print_name")
    assert not has_method(foo, "missing")


def test_reexported_import_helpers() -> None:
    from mmlight.utils import get_object_from_string, import_modules_from_strings

    assert misc.get_object_from_string is get_object_from_string
    assert misc.import_modules_from_strings is import_modules_from_strings


# ---------------------------------------------------------------- parity with mmengine
_CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("is_str", ("x",)),
    ("is_str", (1,)),
    ("list_cast", (["1", "2"], int)),
    ("list_cast", (["a"], int)),
    ("tuple_cast", ([1.5, 2], str)),
    ("iter_cast", (1, str)),
    ("iter_cast", ([1], "str")),
    ("is_seq_of", ([1, 2], int)),
    ("is_seq_of", ((1, "a"), int)),
    ("is_seq_of", ("abc", str)),
    ("is_seq_of", ([1], int, tuple)),
    ("is_list_of", ([], str)),
    ("is_tuple_of", ((1.0,), float)),
    ("is_tuple_of", ([1.0], float)),
    ("slice_list", ([1, 2, 3, 4], 2)),
    ("slice_list", ([1, 2, 3, 4], [1, 3])),
    ("slice_list", ([1, 2, 3, 4], [1, 2])),
    ("slice_list", ([1, 2, 3, 4], (1, 3))),
    ("slice_list", ([1, 2, 3], 0)),
    ("concat_list", ([[1], [], [2, 3]],)),
    ("concat_list", ([(1, 2), "ab"],)),
    ("to_2tuple", (7,)),
    ("to_2tuple", ("ab",)),
    ("to_4tuple", (None,)),
]


@pytest.mark.parametrize(("name", "args"), _CALLS)
def test_parity_pure_helpers(
    name: str, args: tuple[Any, ...], assert_same: Callable[..., None]
) -> None:
    theirs = _mmengine_misc()

    def collect(func: Callable[..., Any]) -> Callable[..., Any]:
        def call(*a: Any) -> Any:
            out = func(*a)
            return list(out) if type(out) is map else out

        return call

    assert_same(collect(getattr(misc, name)), collect(getattr(theirs, name)), *args)


def test_parity_apply_to() -> None:
    theirs = _mmengine_misc()
    point = namedtuple("point", ["x", "y"])
    data = {"a": [1, (2.0, "s")], "b": point(3, [4]), "c": OrderedDict(d="s")}

    def expr(x: Any) -> bool:
        return isinstance(x, int) or x == "s"

    def func(x: Any) -> Any:
        return x * 2

    mine = apply_to(data, expr, func)
    ref = theirs.apply_to(data, expr, func)
    assert mine == ref
    assert type(mine["b"]) is type(ref["b"]) and type(mine["c"]) is type(ref["c"])


def test_parity_requires_package(capsys: pytest.CaptureFixture[str]) -> None:
    theirs = _mmengine_misc()
    printed = []
    for decorator in (requires_package, theirs.requires_package):

        @decorator(["numpy", "nnn_mmlight_absent"])
        def needs() -> None:
            pass

        with pytest.raises(RuntimeError) as info:
            needs()
        printed.append((capsys.readouterr().out, str(info.value)))
    assert printed[0] == printed[1]


def test_parity_deprecated_function_docstrings() -> None:
    theirs = _mmengine_misc()
    docs = [
        _LONG_DOC,
        "Short summary.",
        "",
        None,
        "Summary\n    on two lines.\n\n    Body.\n\n    More body.\n",
        "\n\nLeading blank lines.",
    ]
    for doc in docs:

        def demo() -> None:
            pass

        demo.__doc__ = doc
        mine = deprecated_function("1.0", "2.0", "use x")(demo).__doc__
        ref = theirs.deprecated_function("1.0", "2.0", "use x")(demo).__doc__
        assert mine == ref, repr(doc)


def test_parity_deprecated_api_warning() -> None:
    theirs = _mmengine_misc()
    results: list[Any] = []
    for decorator in (deprecated_api_warning, theirs.deprecated_api_warning):

        @decorator({"old": "new"}, cls_name="C")
        def f(new: int = 0, other: int = 0) -> int:
            return new * 10 + other

        with pytest.warns(DeprecationWarning) as record:
            value = f(old=3, other=1)  # type: ignore[call-arg]
        results.append((value, [str(w.message) for w in record]))
        with pytest.raises(AssertionError) as info:
            f(old=1, new=2)  # type: ignore[call-arg]
        results.append(str(info.value))
    assert results[:2] == results[2:]
