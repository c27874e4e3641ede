"""Pickling frozen, slotted dataclasses at the speed of a tuple.

The state methods that `dataclass(slots=True)` writes call `dataclasses.fields()` for every object: pickling
or unpickling 200,000 feedback rows spent ten seconds there, which is more than parsing the CSV again. The
cache (site_gen.incremental) and the worker pipes (site_gen.parallel) pickle whole backlogs, so the records
and their locations use these instead: the field names are looked up once, per class.
"""

from __future__ import annotations

import dataclasses
import operator
from typing import Any, TypeVar

_Class = TypeVar("_Class", bound=type)


def quick_pickle(cls: _Class) -> _Class:
    """Class decorator, above @dataclass(frozen=True, slots=True): its state is the tuple of its fields."""
    names = tuple(field.name for field in dataclasses.fields(cls))
    values = operator.attrgetter(*names)
    assign = object.__setattr__   # frozen: the generated __setattr__ refuses, as it should for everyone else

    if len(names) == 1:
        def __getstate__(self: Any) -> tuple[Any, ...]:
            return (values(self),)
    else:
        def __getstate__(self: Any) -> tuple[Any, ...]:
            return values(self)

    def __setstate__(self: Any, state: tuple[Any, ...]) -> None:
        for name, value in zip(names, state, strict=True):
            assign(self, name, value)

    setattr(cls, "__getstate__", __getstate__)  # noqa: B010 - mypy knows no __setstate__ on a type
    setattr(cls, "__setstate__", __setstate__)  # noqa: B010
    return cls
