"""Pickling frozen, slotted dataclasses at the speed of a tuple.

The state methods that `dataclass(slots=True)` writes call `dataclasses.fields()` for every object: pickling
or unpickling 200,000 feedback rows spent ten seconds there, which is more than parsing the CSV again. The
cache (site_gen.incremental) and the worker pipes (site_gen.parallel) pickle whole backlogs, so the records
and their locations use these instead: the field names are looked up once, per class, and each object's fields
are set by its slots' own setters in one unrolled function (a cached check reads 30,000 records back).
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

    if len(names) == 1:
        def __getstate__(self: Any) -> tuple[Any, ...]:
            return (values(self),)
    else:
        def __getstate__(self: Any) -> tuple[Any, ...]:
            return values(self)

    setattr(cls, "__getstate__", __getstate__)  # noqa: B010 - mypy knows no __setstate__ on a type
    setattr(cls, "__setstate__", _setstate(cls, names))  # noqa: B010
    return cls


def _setstate(cls: type, names: tuple[str, ...]) -> Any:  # noqa: ANN401 - a function made at run time
    """`__setstate__(self, state)`: each field from the tuple, set by its slot's own setter (frozen: the class's
    __setattr__ refuses, as it should for everyone else), one line per field as dataclasses writes __init__. A
    loop of object.__setattr__ by name took twice as long: half the time a cached check took to unpickle its
    records. A state of another length is refused (ValueError), as a class that changed must be."""
    setters = {f"_set{index}": _slot(cls, name).__set__ for index, name in enumerate(names)}
    unpacked = "".join(f"value{index}, " for index in range(len(names)))
    lines = "".join(f"    _set{index}(self, value{index})\n" for index in range(len(names)))
    exec(f"def __setstate__(self, state):\n    {unpacked}= state\n{lines}", setters)  # noqa: S102 - our own text
    return setters["__setstate__"]


def _slot(cls: type, name: str) -> Any:  # noqa: ANN401 - a member descriptor
    """The descriptor of a field's slot, in the class or the one it inherits the field from."""
    return next(klass.__dict__[name] for klass in cls.__mro__ if name in klass.__dict__)
