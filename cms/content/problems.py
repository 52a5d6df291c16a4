"""Problems found in content-type definitions.

A broken schema must stop start-up with *every* problem listed, each naming the
file and the attribute, so checks collect :class:`Problem` objects instead of
raising on the first one; :class:`SchemaError` carries the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one content-type definition."""

    file: Path | str
    message: str
    attribute: str | None = None

    def __str__(self) -> str:
        where = f'attribute "{self.attribute}": ' if self.attribute else ""
        return f"{self.file}: {where}{self.message}"


class SchemaError(Exception):
    """Raised once, after loading, when any content-type definition is broken."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        header = f"{count} problem{'s' if count != 1 else ''} in content-type definitions:"
        super().__init__("\n".join([header, *(f"  - {p}" for p in problems)]))
