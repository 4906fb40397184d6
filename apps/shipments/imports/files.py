"""Reading import files row by row: CSV with a header, or JSON Lines; never the whole file.

The file is read in blocks of whole lines, so memory stays flat however long the file is, a
decoding error still names its line, and the byte position drives a progress bar. Line numbers
are the file's own (the CSV header is line 1), so a person can open the file at the reported
line.
"""

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from apps.core.errors import ApplicationError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_BLOCK = 1 << 20


class ImportFailed(ApplicationError):
    """The import cannot go on (no file, not text, bad header, unknown carrier); one line.

    Raised mid-file, it carries the report of what was stored before the line that stopped it.
    """

    report = None


@dataclass(slots=True)
class Row:
    line: int
    # None when the line itself is unreadable (not JSON, wrong number of CSV fields); see `error`.
    values: dict | None
    error: str = ""


def format_detect(path: Path, given: str | None) -> str:
    if given:
        return given
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise ImportFailed(
            f"{path.name}: cannot tell the format from the extension; "
            "use .csv, .jsonl or .ndjson, or --format csv|jsonl"
        )
    return found


class RowReader:
    """Iterate the rows of a CSV or JSON Lines file as dicts, with their line numbers.

    `required` columns must be in a CSV header; when `known` is given, a CSV header with other
    columns is refused (a typo would otherwise drop a field silently). `position` is the number
    of bytes read so far.
    """

    def __init__(self, path, *, format: str | None = None, required=(), known=None):
        self.path = Path(path)
        if not self.path.is_file():
            raise ImportFailed(f"{self.path}: no such file")
        self.format = format_detect(self.path, format)
        self.size = self.path.stat().st_size
        self.position = 0
        self.columns: list[str] = []
        self._required = tuple(required)
        self._known = frozenset(known) if known is not None else None
        self._file = None
        self._csv = None
        self._lines_read = 0

    def __enter__(self):
        try:
            self._file = self.path.open("rb")
        except OSError as exc:
            raise ImportFailed(f"{self.path}: cannot be read ({exc.strerror})") from exc
        if self.format == "csv":
            # The header is checked on opening: a file with a bad one stores nothing.
            self._csv = csv.reader(self._lines())
            try:
                self._header(self._csv)
            except ImportFailed:
                self._file.close()
                raise
        return self

    def __exit__(self, *exc_info):
        if self._file is not None:
            self._file.close()

    def _blocks(self) -> Iterator[list[str]]:
        """Decoded lines (with their line ends), a block of about 1 MiB at a time.

        Decoding a block at once, not line by line, keeps reading a small share of an import's
        time; a block ends at a line end, so a multi-byte character is never split.
        """
        pending = b""
        first = True
        while True:
            data = self._file.read(_BLOCK)
            self.position += len(data)
            if data:
                data = pending + data
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # one line longer than a block: read on
                    pending = data
                    continue
                block, pending = data[:cut], data[cut:]
            elif pending:
                block, pending = pending, b""
            else:
                return
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError as exc:
                # The lines before the bad one are sound: hand them on, then stop.
                sound = block.rfind(b"\n", 0, exc.start) + 1
                line = self._lines_read + block.count(b"\n", 0, sound) + 1
                if sound:
                    yield self._split(block[:sound].decode("utf-8"), first)
                raise ImportFailed(
                    f"{self.path.name} line {line}: cannot be decoded as UTF-8 "
                    f"(byte {exc.start - sound + 1} of the line)"
                ) from exc
            lines = self._split(text, first)
            first = False
            self._lines_read += len(lines)
            yield lines

    @staticmethod
    def _split(text: str, first: bool) -> list[str]:
        # Split on "\n" only: str.splitlines would also cut at characters such as U+2028
        # inside a value, and line numbers would no longer be the file's.
        if first:
            text = text.removeprefix("\ufeff")
        lines = text.split("\n")
        last = lines.pop()
        lines = [line + "\n" for line in lines]
        if last:
            lines.append(last)
        return lines

    def _lines(self) -> Iterator[str]:
        return chain.from_iterable(self._blocks())

    def __iter__(self) -> Iterator[Row]:
        if self.format == "csv":
            return self._csv_rows()
        return self._jsonl_rows()

    def _jsonl_rows(self) -> Iterator[Row]:
        for line, text in enumerate(self._lines(), start=1):
            if not text.strip():
                continue
            try:
                values = json.loads(text)
            except ValueError as exc:
                message = getattr(exc, "msg", str(exc))
                yield Row(line, None, f"not valid JSON ({message})")
                continue
            if not isinstance(values, dict):
                yield Row(line, None, "each line must be a JSON object")
                continue
            yield Row(line, values)

    def _header(self, reader) -> None:
        try:
            header = next(reader)
        except StopIteration:
            raise ImportFailed(f"{self.path.name}: the file is empty (no CSV header)") from None
        except csv.Error as exc:
            raise ImportFailed(f"{self.path.name} line 1: unreadable CSV header ({exc})") from exc
        columns = [name.strip().lower() for name in header]
        doubled = sorted({name for name in columns if columns.count(name) > 1})
        if doubled:
            raise ImportFailed(f"{self.path.name}: the CSV header repeats {', '.join(doubled)}")
        missing = [name for name in self._required if name not in columns]
        if missing:
            raise ImportFailed(
                f"{self.path.name}: the CSV header lacks {', '.join(missing)} "
                f"(line 1 has: {', '.join(columns) or 'nothing'})"
            )
        if self._known is not None:
            unknown = [name for name in columns if name not in self._known]
            if unknown:
                raise ImportFailed(
                    f"{self.path.name}: the CSV header has unknown column(s) {', '.join(unknown)}"
                )
        self.columns = columns

    def _csv_rows(self) -> Iterator[Row]:
        reader, columns = self._csv, self.columns
        width = len(columns)
        while True:
            start = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Row(start, None, f"malformed CSV ({exc})")
                continue
            if not fields:
                continue
            if len(fields) != width:
                yield Row(start, None, f"has {len(fields)} fields, the header has {width}")
                continue
            yield Row(start, dict(zip(columns, fields, strict=True)))
