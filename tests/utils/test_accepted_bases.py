"""AcceptedBases: mmlight's own base first, then the bases a bridge adds and removes."""

from __future__ import annotations

from mmlight.utils.accepted_bases import AcceptedBases


class Own:
    pass


class Other:
    pass


class Both(Own, Other):
    pass


def test_own_base_is_imported_lazily_and_comes_first() -> None:
    asked: list[str] = []

    def own() -> type:
        asked.append("own")
        return Own

    bases = AcceptedBases(own)
    assert asked == []
    bases.add(Other)
    assert bases.all() == (Own, Other) and bases.added() == (Other,)
    assert bases.base_of(Both()) is Own  # mmlight's own when an object derives from both


def test_add_is_idempotent_and_remove_undoes_it() -> None:
    bases = AcceptedBases(lambda: Own)
    assert not bases.accepts(Other()) and bases.base_of(Other()) is None
    bases.add(Other)
    bases.add(Other)
    bases.add(Own)  # the own base is never "added"
    assert bases.added() == (Other,) and bases.accepts(Other())
    assert bases.base_of(Other()) is Other
    bases.remove(Other)
    assert bases.added() == () and not bases.accepts(Other()) and bases.accepts(Own())
