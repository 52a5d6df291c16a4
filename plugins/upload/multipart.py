"""Reading a ``multipart/form-data`` body as it arrives: fields in memory, files to disk.

python-multipart's incremental parser is fed each chunk the server hands over,
so a 200 MB upload never sits in memory: the parts named ``files`` go to temp
files as their bytes come (their first 8 KiB also kept, for sniffing), other
fields are kept in memory up to a small limit. Writes are plain ``write``
calls into the page cache, each at most one chunk (about 64 KiB).

Anything malformed (no boundary, a body that ends before the closing
boundary, too many parts, an over-long field) is a 400 ``ValidationError``;
the temp files written so far are removed on every failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from cms.errors import ValidationError
from plugins.upload.sniff import HEAD_BYTES

FILE_FIELD = "files"
#: bytes of one non-file field (fileInfo is a small JSON object), and of all of them together
MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS_BYTES = 1024 * 1024
MAX_FIELDS = 100


@dataclass
class FilePart:
    """One uploaded file, on disk until it is stored."""

    filename: str
    path: Path
    size: int = 0
    head: bytes = b""


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)

    def discard(self) -> None:
        """Remove the temp files (stored files were moved or copied away already)."""
        for part in self.files:
            part.path.unlink(missing_ok=True)


def boundary_of(content_type: str) -> bytes | None:
    """The boundary of a ``multipart/form-data`` content type, None for any other type."""
    media, options = parse_options_header(content_type)
    if media != b"multipart/form-data":
        return None
    return options.get(b"boundary") or None


async def read_form(chunks: AsyncIterator[bytes], boundary: bytes, temp_dir: Path, max_files: int) -> Form:
    """Parse the body ``chunks`` into fields and files (written under ``temp_dir``)."""
    reader = _Reader(temp_dir, max_files)
    parser = MultipartParser(boundary, reader.callbacks())
    try:
        async for chunk in chunks:
            parser.write(chunk)
            reader.raise_pending()
        if not reader.ended:
            raise ValidationError("The multipart body ended before its closing boundary")
    except MultipartParseError as exc:
        reader.close()
        reader.form.discard()
        raise ValidationError(f"Malformed multipart body: {exc}") from None
    except BaseException:
        reader.close()
        reader.form.discard()
        raise
    return reader.form


class _Reader:
    """The parser's callbacks: one part at a time, headers first, then data."""

    def __init__(self, temp_dir: Path, max_files: int) -> None:
        self.temp_dir = temp_dir
        self.max_files = max_files
        self.form = Form()
        self.ended = False
        self.error: ValidationError | None = None
        self._fields_bytes = 0
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name: str | None = None
        self._file: FilePart | None = None
        self._out: IO[bytes] | None = None
        self._value: bytearray | None = None

    def callbacks(self) -> Any:
        return {"on_part_begin": self.part_begin, "on_header_field": self.header_field,
                "on_header_value": self.header_value, "on_header_end": self.header_end,
                "on_headers_finished": self.headers_finished, "on_part_data": self.part_data,
                "on_part_end": self.part_end, "on_end": self.end}

    def raise_pending(self) -> None:
        """Callbacks cannot stop the parser; they record the first error, raised after the chunk."""
        if self.error is not None:
            raise self.error

    def fail(self, message: str) -> None:
        if self.error is None:
            self.error = ValidationError(message)

    def part_begin(self) -> None:
        self._headers, self._name, self._file, self._value = {}, None, None, None
        self._header_name = self._header_value = b""

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition", b"").decode("latin-1"))
        if disposition != b"form-data" or b"name" not in options:
            self.fail("Every multipart part needs Content-Disposition: form-data with a name")
            return
        self._name = _text(options[b"name"])
        filename = options.get(b"filename")
        if filename is None:
            if sum(map(len, self.form.fields.values())) >= MAX_FIELDS:
                self.fail(f"More than {MAX_FIELDS} multipart fields")
                return
            self._value = bytearray()
        elif self._name == FILE_FIELD and filename:  # a browser's empty file input sends filename=""
            if len(self.form.files) >= self.max_files:
                self.fail(f"At most {self.max_files} files per request")
                return
            path = self.temp_dir / f"incoming-{secrets.token_hex(12)}"
            self._out = open(path, "xb")  # noqa: SIM115 - closed in part_end or close()
            self._file = FilePart(_text(filename), path)
            self.form.files.append(self._file)

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        chunk = data[start:end]
        if self._file is not None and self._out is not None:
            self._out.write(chunk)
            if len(self._file.head) < HEAD_BYTES:
                self._file.head += chunk[: HEAD_BYTES - len(self._file.head)]
            self._file.size += len(chunk)
        elif self._value is not None:
            self._value += chunk
            self._fields_bytes += len(chunk)
            if len(self._value) > MAX_FIELD_BYTES or self._fields_bytes > MAX_FIELDS_BYTES:
                self.fail(f'The multipart field "{self._name}" is too long')
        # other file fields are read past and dropped, as Strapi ignores them

    def part_end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        if self._value is not None and self._name is not None and self.error is None:
            self.form.fields.setdefault(self._name, []).append(_text(bytes(self._value)))
        self._value = None

    def end(self) -> None:
        self.ended = True

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


def _text(raw: bytes) -> str:
    """Header parameters arrive as latin-1 bytes of what browsers send as UTF-8."""
    return raw.decode("utf-8", "replace")


def make_temp_dir(path: Path) -> Path:
    """The folder of files being received (private: other users of the machine cannot read them)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
