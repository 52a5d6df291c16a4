"""Where each relation's links live, seen from either side.

The model builder decides storage (see ``cms.models.builder``) and records it
here, so the SQL compiler, the writers and the admin read one answer instead
of re-deriving it from Tortoise internals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Storage:
    """One side of a relation.

    ``column``: a foreign-key column ``column`` on this side's table.
    ``reverse_column``: a foreign-key column ``column`` on the target's table.
    ``join``: rows of ``join_table``, ``join_self`` pointing at this side,
    ``join_other`` at the target.
    """

    kind: Literal["column", "reverse_column", "join"]
    target_uid: str
    target_table: str
    column: str = ""
    join_table: str = ""
    join_self: str = ""
    join_other: str = ""
    #: True when this side holds the Tortoise field (writes go through it)
    owning: bool = True

    def flipped(self, source_uid: str, source_table: str) -> Storage:
        """The same links seen from the target's side (for ``mappedBy`` attributes)."""
        if self.kind == "column":
            return Storage("reverse_column", source_uid, source_table, column=self.column, owning=False)
        if self.kind == "reverse_column":
            return Storage("column", source_uid, source_table, column=self.column, owning=False)
        return Storage("join", source_uid, source_table, join_table=self.join_table,
                       join_self=self.join_other, join_other=self.join_self, owning=False)
