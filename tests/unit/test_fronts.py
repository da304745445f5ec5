"""The fronts of the contracts and the strategies (their ``__init__``): ``__all__`` is
exactly their public names, as Hypothesis checks its own: every name in it exists, and
every public name bound in the front (a submodule aside, unless it is listed) is in it."""

from __future__ import annotations

from types import ModuleType

import pytest

from personalize_conformance import contracts, strategies


def public_names(front: ModuleType) -> set[str]:
    """The names bound in ``front`` that do not start with ``_``, its submodules aside
    (bound by their import; a front that exports one lists it in ``__all__``)."""
    return {name for name, value in vars(front).items() if not name.startswith("_")
            and not (isinstance(value, ModuleType)
                     and value.__name__ == f"{front.__name__}.{name}"
                     and name not in front.__all__)
            and name != "annotations"}


@pytest.mark.parametrize("front", [contracts, strategies], ids=lambda m: m.__name__)
def test_all_is_exactly_the_public_names(front: ModuleType):
    missing = [name for name in front.__all__ if not hasattr(front, name)]
    assert not missing, f"in __all__ but not in {front.__name__}: {missing}"
    unlisted = sorted(public_names(front) - set(front.__all__))
    assert not unlisted, f"public in {front.__name__} but not in __all__: {unlisted}"
    assert len(front.__all__) == len(set(front.__all__))


def test_an_unlisted_public_name_is_found():
    module = ModuleType("front")
    module.__all__ = ["listed"]
    module.listed = module.unlisted = 1
    module._private = 2
    assert public_names(module) - set(module.__all__) == {"unlisted"}
