"""mmlight.utils.manager.ManagerMixin: named global instances, as mmengine's."""

from __future__ import annotations

import abc
import threading

import pytest

from mmlight.utils import ManagerMeta, ManagerMixin


class Counter(ManagerMixin):
    created = 0

    def __init__(self, name: str = "", start: int = 0) -> None:
        super().__init__(name)
        self.value = start
        type(self).created += 1


@pytest.fixture(autouse=True)
def _fresh() -> None:
    Counter._instance_dict.clear()
    Counter.created = 0


def test_get_instance_creates_once_and_returns_same() -> None:
    a = Counter.get_instance("a", start=3)
    assert a.value == 3
    assert a.instance_name == "a"
    assert Counter.get_instance("a") is a
    assert Counter.created == 1


def test_get_instance_extra_kwargs_for_existing_warns() -> None:
    Counter.get_instance("a", start=1)
    with pytest.warns(UserWarning, match="should not accept any other arguments"):
        again = Counter.get_instance("a", start=5)
    assert again.value == 1


def test_get_current_instance_is_latest() -> None:
    Counter.get_instance("a")
    b = Counter.get_instance("b")
    assert Counter.get_current_instance() is b
    Counter.get_instance("a")  # fetching an old one does not make it current
    assert Counter.get_current_instance() is b


def test_get_current_instance_before_any_raises() -> None:
    with pytest.raises(RuntimeError, match=r"Before calling Counter.get_current_instance\(\)"):
        Counter.get_current_instance()


def test_check_instance_created() -> None:
    assert not Counter.check_instance_created("a")
    Counter.get_instance("a")
    assert Counter.check_instance_created("a")


def test_each_subclass_has_its_own_table() -> None:
    class Sub(Counter):
        pass

    Counter.get_instance("a")
    assert not Sub.check_instance_created("a")
    assert Sub.get_instance("a") is not Counter.get_instance("a")
    assert ManagerMixin._instance_dict == {}


def test_bad_names() -> None:
    with pytest.raises(TypeError, match="needs a str name, but got int"):
        Counter.get_instance(1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name argument must be an non-empty string: Counter"):
        Counter(name="")
    # mmengine asserts: code and tests written against it catch AssertionError
    with pytest.raises(AssertionError):
        Counter.get_instance(1)  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        Counter(name="")


def test_class_without_name_argument_is_rejected() -> None:
    with pytest.raises(TypeError, match=r"__init__ must accept a `name` argument"):

        class NoName(ManagerMixin):
            def __init__(self, x: int) -> None:
                pass

    with pytest.raises(AssertionError):  # as mmengine's ManagerMeta asserts

        class NoNameMeta(metaclass=ManagerMeta):
            def __init__(self, a: int) -> None:
                pass


def test_mixes_with_abc() -> None:
    class Abstract(ManagerMixin, abc.ABC):
        @abc.abstractmethod
        def f(self) -> int: ...

    class Concrete(Abstract):
        def f(self) -> int:
            return 1

    assert Concrete.get_instance("x").f() == 1


def test_manager_meta_gives_table() -> None:
    class Meta(metaclass=ManagerMeta):
        def __init__(self, name: str) -> None:
            self.name = name

    assert Meta._instance_dict == {}


def test_thread_safe_single_creation() -> None:
    results: list[Counter] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(Counter.get_instance("shared"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter.created == 1
    assert all(r is results[0] for r in results)
