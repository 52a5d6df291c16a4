"""Schema migrations for the generated models: the one module that wraps aerich.

Migration files live in ``<location>/<app>/`` (the caller picks ``location``, one
folder per SQL dialect, because aerich writes dialect-specific SQL into them).

Why this wrapper exists rather than calling aerich directly:

* aerich keeps its diff state on the ``Migrate`` *class* and never clears it, so a
  second ``migrate`` in the same process repeats the first one's statements. Every
  operation here starts from a reset state.
* Tortoise keeps its state in a context variable. Each operation runs in its own
  ``TortoiseContext``, which closes every connection on the way out (an open
  aiosqlite connection hangs the interpreter at exit) and leaves whatever context
  the application has set up untouched.
* Files are diffed against the newest *file*. aerich's online default diffs
  against the newest migration recorded in the database: with pending files it
  would repeat their changes under their number and, non-interactively, delete
  them as "conflicting". Diffing files also means ``make`` needs no database.
* aerich applies anything, including ``DROP COLUMN``; ``up`` refuses destructive
  files unless explicitly allowed.
"""

from __future__ import annotations

import importlib
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aerich import Command
from aerich.migrate import Migrate
from aerich.models import Aerich
from aerich.utils import get_app_connection
from tortoise import Model
from tortoise.context import TortoiseContext
from tortoise.fields.relational import ManyToManyFieldInstance
from tortoise.exceptions import BaseORMException, OperationalError

__all__ = ["MigrationError", "MigrationStatus", "Migrations"]

_AERICH_MODELS = "aerich.models"
_NAME = re.compile(r"[A-Za-z0-9_]+")

# Statements that lose data. ``ALTER TABLE t DROP x`` drops column x (the COLUMN
# keyword is optional in PostgreSQL); dropping an index, constraint, default or
# NOT NULL does not lose rows. ``DELETE FROM`` is only written by turning draft &
# publish or i18n off (:func:`_versions_dropped`). A table rebuild (the SQLite way of changing a
# table) always contains a ``DROP TABLE`` and is therefore caught as well.
_DESTRUCTIVE = re.compile(
    r"DROP\s+TABLE\b"
    r"|DELETE\s+FROM\b"
    r"|ALTER\s+TABLE\s+\S+\s+DROP\s+"
    r"(?!INDEX\b|CONSTRAINT\b|FOREIGN\s+KEY\b|PRIMARY\s+KEY\b|DEFAULT\b|NOT\s+NULL\b|CHECK\b)",
    re.IGNORECASE,
)


class MigrationError(Exception):
    """A migration step cannot proceed; the message says what to do about it."""


@dataclass(frozen=True)
class MigrationStatus:
    """Where the database and the migration folder stand relative to the models."""

    applied: list[str]
    """Migration file names recorded as applied in the database, oldest first."""
    pending: list[str]
    """Files in the folder that are not applied yet, in the order ``up`` applies them."""
    models_changed: bool
    """The models differ from the state stored in the newest file: ``make`` would write one."""
    destructive: dict[str, list[str]]
    """Pending file name -> its statements that drop data (tables or columns)."""


def _destructive_statements(sql: str) -> list[str]:
    """The statements of ``sql`` that drop data, as written in the file.

    Splitting on ``;`` is good enough for aerich's output, which never puts a
    semicolon inside a statement that drops something.
    """
    statements = (" ".join(part.split()) for part in sql.split(";"))
    return [s for s in statements if s and _DESTRUCTIVE.match(s)]


def _reset_aerich_state() -> None:
    """Forget what the previous aerich run accumulated on the ``Migrate`` class."""
    for name in (
        "upgrade_operators",
        "downgrade_operators",
        "_upgrade_fk_m2m_index_operators",
        "_downgrade_fk_m2m_index_operators",
        "_upgrade_m2m",
        "_downgrade_m2m",
    ):
        setattr(Migrate, name, [])
    Migrate._rename_fields = {}
    Migrate._rename_models = {}
    Migrate._last_version_content = None


def _index_link_tables(folder: Path, written: str, modules: list[str], postgres: bool) -> None:
    """Add indexes to the join tables a new migration creates.

    aerich writes a many-to-many table added later with its two foreign keys and
    nothing else: reading the files of 20 messages (or deleting one file, which
    cascades) then scanned the whole link table. (A project's first migration,
    from Tortoise's schema generator, has a unique index on the pair.) So each
    key gets an index here: the pair, unique, the owner's key first (a link is
    stored once), unless the file has it already, and the other key alone. On
    PostgreSQL the table also gets an ``id`` serial: the order links were written
    in, which populate keeps (SQLite has its rowid). aerich never sees any of
    this, so it never drops it either; it goes with the table.

    Tables of draft & publish types (a file that creates or changes one) get
    their partial unique indexes here too: ``documentId`` and each unique
    attribute once among drafts (``published_at IS NULL``) and once among
    published rows, so a draft and its published version share values and two
    documents never do. Of a localized type each of those indexes also holds
    the ``locale`` column: a value is unique per (locale, status). Both SQLite and PostgreSQL have partial indexes; aerich
    does not know them, so they stay when draft & publish is turned off again.
    """
    path = next(folder.glob(f"{written}*"), None) or next(folder.glob(f"*{written}*"), None)
    if path is None:
        return
    text = path.read_text()
    models = [m for name in modules for m in vars(importlib.import_module(name)).values()
              if isinstance(m, type) and issubclass(m, Model) and m is not Model]
    fields = [f for model in models for f in model._meta.fields_map.values()
              if isinstance(f, ManyToManyFieldInstance) and not f._generated]
    statements = []
    for field in fields:
        table = field.through
        if re.search(rf'CREATE TABLE (IF NOT EXISTS )?"{re.escape(table)}"', text):
            own, other = field.backward_key, field.forward_key
            if not re.search(rf'CREATE UNIQUE INDEX [^;]*ON "{re.escape(table)}"', text):  # Tortoise's, on init
                statements.append(
                    f'CREATE UNIQUE INDEX IF NOT EXISTS "uidx_{table}_{own}" ON "{table}" ("{own}", "{other}");')
            statements.append(f'CREATE INDEX IF NOT EXISTS "idx_{table}_{other}" ON "{table}" ("{other}");')
            if postgres:  # SQLite numbers rows itself (rowid): the position links keep (Compiler.link_position)
                statements.append(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "id" SERIAL;')
    rebuilt: list[tuple[str, tuple[str, ...]]] = []
    first: list[str] = []  # statements that must run before aerich's
    for model in models:  # draft & publish, i18n: unique per version (cms.models.builder)
        table = model._meta.db_table
        if not getattr(model, "_cms_unique_per_status", ()) and re.search(
                rf'CREATE UNIQUE INDEX (IF NOT EXISTS )?"uid_{re.escape(table)}_documen\w*" ON "{re.escape(table)}" \("documentId"\)', text):
            text = text.replace(f'ON "{table}" ("documentId")', f'ON "{table}" ("document_id")')
            path.write_text(text)
            first += _versions_dropped(model, text, models)
            continue
        if not getattr(model, "_cms_unique_per_status", ()) or f'"{table}"' not in text:
            continue
        if f'DROP INDEX IF EXISTS "uid_{table}_documen' in text:  # draft & publish turned on
            # aerich names the column by its Python name there, and misses PostgreSQL's constraint
            text = text.replace(f'ON "{table}" ("documentId")', f'ON "{table}" ("document_id")')
            path.write_text(text)
            if postgres:
                statements.append(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{table}_document_id_key";')
            else:  # SQLite cannot drop a column's UNIQUE: the table is rebuilt (sqlite_unique_dropped)
                rebuilt.append((table, model._cms_unique_per_status))
            # entries written before were published (Strapi publishes them); their drafts are made
            # at start (cms.documents.DocumentService.ensure_drafts)
            statements.append(f'UPDATE "{table}" SET "published_at" = "created_at" WHERE "published_at" IS NULL;')
        scope = tuple(getattr(model, "_cms_unique_scope", ()))
        for column in model._cms_unique_per_status:
            for suffix, where in (("draft", "IS NULL"), ("pub", "IS NOT NULL")):
                plain = _index_name(f"uidx_{table}_{column}_{suffix}")
                scoped = _index_name(f"uidx_{table}_{column}_{'_'.join(scope or ('locale',))}_{suffix}")
                name, other = (scoped, plain) if scope else (plain, scoped)
                statements.append(f'DROP INDEX IF EXISTS "{other}";')  # i18n turned on (or off)
                listed = ", ".join(f'"{c}"' for c in (column, *scope))
                statements.append(f'CREATE UNIQUE INDEX IF NOT EXISTS "{name}" ON "{table}" ({listed}) '
                                  f'WHERE "published_at" {where};')
    if statements or first:
        marker = "\n\n\nasync def downgrade("
        upgrade, rest = text.split(marker, 1)
        closing = upgrade.rstrip().rfind('"""')
        upgrade = upgrade[:closing].rstrip() + "\n" + "\n".join(statements) + '"""'
        if first:
            upgrade = upgrade.replace('    return """', '    return """\n' + "\n".join(first), 1)
        if rebuilt:
            calls = " + ".join(f"await sqlite_unique_dropped(db, {table!r}, {columns!r})" for table, columns in rebuilt)
            upgrade = upgrade.replace("RUN_IN_TRANSACTION = True", "RUN_IN_TRANSACTION = False  # the rebuild has its own")
            upgrade = upgrade.replace('    return """', f'    return {calls} + """', 1)
            upgrade = "from cms.models.migrations import sqlite_unique_dropped\n" + upgrade
        path.write_text(upgrade + marker + rest)


def _versions_dropped(model: type[Model], text: str, models: list[type[Model]]) -> list[str]:
    """Draft & publish or i18n turned off for ``model``'s table (documentId is unique again):
    what must happen before its unique indexes are made, so that one row per document is left.

    As Strapi does: drafts are deleted (a published document keeps its published
    version; one never published is gone), and, when the ``locale`` column goes,
    every version not in the default locale (the i18n plugin's default when its
    table is there, else ``en``). The per-version partial indexes go too. These
    ``DELETE`` statements make the file destructive: ``cms migrate up`` asks for
    ``--allow-destructive``, after a backup.
    """
    table = model._meta.db_table
    meta = model._meta
    unique = ["document_id", *(column for name, column in meta.fields_db_projection.items()
                               if meta.fields_map[name].unique and name not in ("id", "documentId"))]
    statements = [f'DROP INDEX IF EXISTS "{_index_name(f"uidx_{table}_{column}{scope}_{suffix}")}";'
                  for column in unique for scope in ("", "_locale") for suffix in ("draft", "pub")]
    statements.append(f'DELETE FROM "{table}" WHERE "published_at" IS NULL;')
    if re.search(rf'ALTER TABLE "{re.escape(table)}" DROP COLUMN "locale"', text):
        locales = any(m._meta.db_table == "i18n_locale" for m in models)
        default = ("(SELECT \"code\" FROM \"i18n_locale\" WHERE \"is_default\" ORDER BY \"id\" LIMIT 1)"
                   if locales else "'en'")
        statements.append(f'DELETE FROM "{table}" WHERE "locale" IS NOT NULL AND "locale" <> COALESCE({default}, \'en\');')
    return statements


async def sqlite_unique_dropped(db: Any, table: str, columns: tuple[str, ...]) -> str:
    """SQL rebuilding SQLite table ``table`` without the UNIQUE of ``columns`` (every row kept).

    SQLite cannot drop a column's UNIQUE constraint, so turning draft & publish
    on for a type (its documentId and unique attributes become unique per
    status) rebuilds the table the way SQLite documents: foreign keys off, a
    copy under a new name, the old table dropped (the rows' other tables
    reference it by name, so nothing they hold changes), the copy renamed, its
    indexes made again, all in one transaction. Empty when the table does not
    exist yet or has no such constraint. The ``DROP TABLE`` carries a comment
    in front, so that :func:`_destructive_statements` does not count it: no row
    is lost.
    """
    _, rows = await db.execute_query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table])
    if not rows:
        return ""
    create = rows[0][0]
    changed = create
    for column in columns:
        changed = re.sub(rf'("{re.escape(column)}"[^,\n]*?)\s+UNIQUE\b', r"\1", changed)
    if changed == create:
        return ""
    _, indexes = await db.execute_query(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table])
    copy = f"{table}__cms_rebuild"
    changed = changed.replace(f'"{table}"', f'"{copy}"', 1) if f'"{table}"' in changed else \
        changed.replace(table, f'"{copy}"', 1)
    script = ["PRAGMA foreign_keys = OFF", "BEGIN", changed, f'INSERT INTO "{copy}" SELECT * FROM "{table}"',
              f'/* cms: rebuilt, every row kept */ DROP TABLE "{table}"',
              f'ALTER TABLE "{copy}" RENAME TO "{table}"', *(row[0] for row in indexes),
              "COMMIT", "PRAGMA foreign_keys = ON"]
    return ";\n".join(script) + ";\n"


def _index_name(name: str) -> str:
    """An index name PostgreSQL keeps whole (63 bytes at most): a long one ends with a hash."""
    if len(name) <= 63:
        return name
    import hashlib
    return name[:50] + "_" + hashlib.sha1(name.encode()).hexdigest()[:12]


class Migrations:
    """Make, inspect and apply the migration files of one Tortoise app."""

    def __init__(self, tortoise_config: dict, location: Path, app: str = "models") -> None:
        apps = dict(tortoise_config.get("apps", {}))
        if app not in apps:
            raise MigrationError(f"The Tortoise config has no app named {app!r}.")
        # aerich records applied files in its own table, which must belong to the app.
        models = list(apps[app]["models"])
        if _AERICH_MODELS not in models:
            models.append(_AERICH_MODELS)
        apps[app] = {**apps[app], "models": models}
        self._config = {**tortoise_config, "apps": apps}
        self.location = location
        self.app = app
        connection = apps[app].get("default_connection", "default")
        url = str(tortoise_config.get("connections", {}).get(connection, ""))
        self._postgres = url.startswith(("postgres", "asyncpg", "psycopg"))

    @property
    def folder(self) -> Path:
        """Where aerich keeps this app's files."""
        return self.location / self.app

    @asynccontextmanager
    async def _command(self) -> AsyncIterator[Command]:
        """An aerich Command on fresh state, whose connections are closed on exit.

        ``offline`` init makes aerich diff against the newest file; it also means
        nothing connects to the database until a query needs it.
        """
        _reset_aerich_state()
        async with TortoiseContext():
            command = Command(self._config, self.app, str(self.location))
            await command.init(offline=True)
            yield command

    async def _applied(self) -> list[str]:
        query = Aerich.filter(app=self.app).order_by("id").values_list("version", flat=True)
        try:
            versions = await query
        except OperationalError as exc:
            # no aerich table yet means nothing applied; anything else (an unusable
            # database file, a lost server) is a real failure
            text = str(exc).lower()
            if "no such table" in text or ("aerich" in text and "does not exist" in text):
                return []
            raise MigrationError(f"cannot read the applied migrations: {exc}") from exc
        return list(versions)

    async def _inspect(
        self, command: Command
    ) -> tuple[list[str], list[str], dict[str, list[str]]]:
        """Applied and pending files, and the destructive statements of the pending ones."""
        applied = await self._applied()
        pending = [f for f in await command.history() if f not in applied]
        connection = get_app_connection(self._config, self.app)
        destructive = {}
        for name in pending:
            sql = await Migrate.get_migration_info_for_file(name).upgrade(connection)
            if statements := _destructive_statements(sql):
                destructive[name] = statements
        return applied, pending, destructive

    async def _models_changed(self, newest: str | None) -> bool:
        """Whether ``make`` would write a file, found by running it on a scratch copy.

        ``newest`` is the newest file name (None for an empty folder): the only
        file aerich reads to know the recorded model state and the next number.
        """
        with tempfile.TemporaryDirectory() as scratch:
            probe = Migrations(self._config, Path(scratch), self.app)
            probe.folder.mkdir()
            if newest:
                shutil.copy(self.folder / newest, probe.folder)
            return await probe.make("probe") is not None

    async def status(self) -> MigrationStatus:
        """Applied/pending files, whether a ``make`` is due, and which pending files drop data."""
        async with self._command() as command:
            applied, pending, destructive = await self._inspect(command)
            files = await command.history()
        changed = await self._models_changed(files[-1] if files else None)
        return MigrationStatus(applied, pending, changed, destructive)

    async def make(self, name: str) -> str | None:
        """Write a migration file for what changed since the newest one; None when nothing did.

        On an empty folder, writes the initial migration (aerich always names it
        ``0_<timestamp>_init.py``). It uses ``CREATE TABLE IF NOT EXISTS`` and
        is written without looking at the database, so neither existing tables
        nor aerich rows from an earlier history get in the way.

        Only the files are compared, so the database is not needed. A field
        removed and another added with the very same definition is written as
        a column rename (aerich's non-interactive answer), keeping the data.
        """
        if not _NAME.fullmatch(name):
            raise MigrationError(f"Invalid migration name {name!r}: use letters, digits and '_'.")
        async with self._command() as command:
            if await command.history():
                written = await command.migrate(name, no_input=True, offline=True) or None
                if written:
                    _index_link_tables(self.folder, written, self._config["apps"][self.app]["models"], self._postgres)
                return written
            try:
                await command.init_migrations(safe=True)
            except FileExistsError as exc:
                raise MigrationError(
                    f"{self.folder} holds no migration files but is not empty ({exc}); "
                    "remove what is left in it, then run make again."
                ) from exc
            first = (await command.history())[0]
            _index_link_tables(self.folder, first, self._config["apps"][self.app]["models"], self._postgres)
            return first

    async def up(self, *, allow_destructive: bool = False) -> list[str]:
        """Apply the pending files in order and return their names.

        A file that drops data is refused with a MigrationError naming the file
        and statement, unless ``allow_destructive``. Every pending file is
        checked before anything runs, so a refusal leaves the database as it
        was. Each file runs in a transaction, but on SQLite aerich's
        ``executescript`` commits statement by statement: a file failing
        half-way there keeps the statements before the failure.
        """
        async with self._command() as command:
            _, pending, destructive = await self._inspect(command)
            if destructive and not allow_destructive:
                found = "".join(
                    f"\n  {name}: {statement}"
                    for name, statements in destructive.items()
                    for statement in statements
                )
                raise MigrationError(
                    f"Refusing to apply migrations that destroy data:{found}\n"
                    "Back up the database and pass --allow-destructive to apply them, "
                    "or delete the files if the model change was not intended."
                )
            try:
                return await command.upgrade(run_in_transaction=True)
            except BaseORMException as exc:
                applied = await self._applied()
                failed = next((f for f in pending if f not in applied), "a pending migration")
                raise MigrationError(
                    f"Migration {failed} failed: {exc}. Files before it stay applied; "
                    f"fix or delete it in {self.folder}, then run up again."
                ) from exc

    async def sync(self, name: str = "auto", *, allow_destructive: bool = False) -> list[str]:
        """Develop mode: make (if models changed) then up. Returns names applied.

        A destructive change is written but, unless allowed, not applied: the
        file stays pending and ``up`` names it, so nothing is dropped silently.
        """
        await self.make(name)
        return await self.up(allow_destructive=allow_destructive)
