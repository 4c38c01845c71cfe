"""Read a hospital's extract of a deployed model's predictions, for the audit.

``python -m labkit audit`` checks a model on a hospital's own patients: one
row per patient with the observed outcome, the model's predicted probability,
and optionally group columns, a date and a patient id. Such extracts come out
of real hospital systems, so they are messy: semicolons and decimal commas,
Windows-1252 text, percentages, ``yes``/``no`` outcomes, ``NA`` or ``.`` for
a missing value. :func:`read_predictions` reads them (a CSV or other
delimited text file, a Parquet file, or a DataFrame) into a
:class:`Predictions`, strictly but without surprises:

- a problem the audit cannot work around (a column that is not there, an
  outcome that is not 0/1, a score that is not a probability, a patient twice)
  raises one ``ValueError`` whose one-line message names the file, the column
  and the lines at fault (at most five, then "and N more");
- a problem it can work around (a missing outcome or score, which leaves the
  row out; a missing group label, date or id; percentages; a file that is not
  UTF-8) is handled and said, one sentence each, in ``warnings``;
- how the file was read (delimiter, encoding, number format, outcome coding,
  score scale) is said in ``notes``.

No row is dropped silently: ``n_read`` rows were read, ``n_excluded`` of them
were left out, and the warnings say which and why. File lines count the header
as line 1; rows of a DataFrame or a Parquet file are named by position (0 is
the first row).

>>> frame = pd.DataFrame({"died": ["yes", "no", "No", None],
...                       "risk": ["80%", "10%", "25%", "40%"],
...                       "ward": ["A", "B", "A", "B"]})
>>> p = read_predictions(frame, outcome="died", score="risk", groups=["ward"])
>>> p.outcome.tolist(), p.score.tolist(), p.groups["ward"].tolist()
([1, 0, 0], [0.8, 0.1, 0.25], ['A', 'B', 'A'])
>>> p.n_read, p.n_excluded, p.lines.tolist()
(4, 1, [0, 1, 2])
>>> print(p.warnings[0])
Column 'died' has no value on 1 row (row 3): left out of the audit.
>>> print(p.warnings[1][:60])
Column 'risk' holds percentages (largest 80, written with '%
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from labkit.audit import MISSING
from labkit.output import MissingFileError

__all__ = ["MISSING", "MISSING_WORDS", "DELIMITERS", "SCALES", "Predictions", "read_predictions"]

#: Cell text (compared case-insensitively, after stripping) that means "no value".
MISSING_WORDS = frozenset({"", "na", "n/a", "nan", "null", "none", "missing", "."})
#: Delimiters looked for in a text file, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")
#: Values of the ``scale`` argument.
SCALES = ("auto", "probability", "percent")
#: Most lines (or values) named in one message.
MAX_SHOWN = 5
#: Outcome spellings read as 1 and as 0 (lower case).
TRUE_WORDS = frozenset({"1", "yes", "y", "true", "t"})
FALSE_WORDS = frozenset({"0", "no", "n", "false", "f"})

_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EARLIEST, _LATEST = pd.Timestamp.min.ceil("D"), pd.Timestamp.max.floor("D")


@dataclass(frozen=True)
class Predictions:
    """A predictions extract, read and checked: one entry per kept row in every array.

    ``source`` is the file as given (or "the DataFrame"); ``outcome`` int8 0/1;
    ``score`` float64 probabilities in [0, 1]; ``groups`` one str column per group
    column, under its name in the file (missing labels are :data:`MISSING`);
    ``time`` datetime64[ns] with NaT where missing, or None; ``ids`` str ids with
    None where missing, or None; ``lines`` the file line of each row (the header
    is line 1), or its position in a DataFrame or Parquet file; ``columns`` the
    column of each role ("outcome", "score", and "time" and "id" when given);
    ``n_read`` the data rows read, ``n_excluded`` those left out (no outcome or
    no score); ``warnings`` the problems worked around and ``notes`` how the
    file was read, one sentence each.
    """

    source: str
    outcome: np.ndarray
    score: np.ndarray
    groups: pd.DataFrame
    time: pd.Series | None
    ids: np.ndarray | None
    lines: np.ndarray
    columns: dict[str, str]
    n_read: int
    n_excluded: int
    warnings: tuple[str, ...]
    notes: tuple[str, ...]


# --------------------------------------------------------------------------
# Naming lines and values in messages


def _listed(parts: Sequence[str], total: int | None = None) -> str:
    """'a', 'a and b', 'a, b and c'; past MAX_SHOWN, 'a, b, c, d, e and N more'."""
    total = len(parts) if total is None else total
    shown = list(parts[:MAX_SHOWN])
    if total > len(shown):
        return f"{', '.join(shown)} and {total - len(shown)} more"
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


class _Where:
    """Where rows come from, to name them: file lines, or row positions."""

    def __init__(self, name: str, word: str, lines: np.ndarray):
        self.name = name
        self.word = word
        self.lines = lines

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.name}: {message}")

    def rows(self, positions: np.ndarray) -> str:
        """'line 3', 'lines 3 and 9', 'lines 2, 3, 4, 5, 6 and 45 more'."""
        word = self.word if len(positions) == 1 else self.word + "s"
        numbers = [str(self.lines[i]) for i in positions[:MAX_SHOWN]]
        return f"{word} {_listed(numbers, len(positions))}"

    def count(self, positions: np.ndarray) -> str:
        """'3 rows (lines 4, 9 and 12)'."""
        n = len(positions)
        return f"{n} row{'' if n == 1 else 's'} ({self.rows(positions)})"

    def values(self, positions: np.ndarray, shown: Callable[[np.ndarray], list[object]]) -> str:
        """"line 3 ('x'), line 7 ('y') and 4 more"."""
        first = positions[:MAX_SHOWN]
        parts = [f"{self.word} {self.lines[i]} ({v!r})" for i, v in zip(first, shown(first),
                                                                        strict=True)]
        return _listed(parts, len(positions))

    def by_value(self, codes: np.ndarray, uniques: Sequence[str], which: Sequence[int]) -> str:
        """"'dead' (lines 3 and 9) and 'alive' (line 4)": distinct values with their lines."""
        parts = [f"{uniques[k]!r} ({self.rows(np.flatnonzero(codes == k))})"
                 for k in which[:MAX_SHOWN]]
        return _listed(parts, len(which))


# --------------------------------------------------------------------------
# Opening the source


@dataclass
class _Opened:
    """A source opened far enough to know its columns; ``read`` gives the named ones."""

    name: str
    word: str
    header: list[str]
    read: Callable[[list[int]], tuple[pd.DataFrame, np.ndarray, np.ndarray]]
    notes: list[str]
    warnings: list[str]
    comma_delimited: bool = False

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.name}: {message}")


def _frame_reader(frame: pd.DataFrame) -> Callable[[list[int]], tuple]:
    def read(positions: list[int]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        part = frame.iloc[:, positions].reset_index(drop=True)
        part.columns = range(len(positions))
        return part, np.arange(len(frame), dtype="int64"), np.zeros(len(frame), dtype=bool)
    return read


def _open_frame(frame: pd.DataFrame, name: str, note: str) -> _Opened:
    return _Opened(name, "row", [str(c).strip() for c in frame.columns], _frame_reader(frame),
                   [note], [])


def _decode(data: bytes, name: str, encoding: str | None) -> tuple[str, list[str], list[str]]:
    """The file's text, and a note (and maybe a warning) on the encoding used."""
    def line_of(exc: UnicodeDecodeError) -> int:
        return data[:exc.start].count(b"\n") + 1

    if encoding is not None:
        try:
            return data.decode(encoding), [f"Encoding {encoding!r} (as given)."], []
        except UnicodeDecodeError as exc:
            raise ValueError(f"{name}: line {line_of(exc)} is not valid {encoding!r} text (byte "
                             f"{data[exc.start:exc.start + 1]!r}); give the file's encoding, "
                             "e.g. --encoding cp1252") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), ["Encoding UTF-16 (it has a byte-order mark)."], []
        except UnicodeDecodeError as exc:
            raise ValueError(f"{name}: starts as UTF-16 text but line {line_of(exc)} is not "
                             "valid UTF-16") from None
    if b"\x00" in data[:65536]:
        what = ("an Excel workbook or a zip archive" if data.startswith(b"PK\x03\x04")
                else "a Parquet file (name it .parquet)" if data.startswith(b"PAR1")
                else "binary data")
        raise ValueError(f"{name}: not a text file (it looks like {what}); export the "
                         "predictions as CSV or Parquet")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = line_of(exc)
        for fallback, label in (("cp1252", "Windows-1252 (cp1252)"), ("latin-1", "Latin-1")):
            try:
                text = data.decode(fallback)
            except UnicodeDecodeError:
                continue
            warning = (f"The file is not UTF-8 (line {line} is not valid UTF-8), so it was read "
                       f"as {label}: check that accented names, e.g. in group columns, read "
                       "correctly, or give the encoding.")
            return text, [f"Encoding {label} (the file is not UTF-8)."], [warning]
        raise AssertionError("latin-1 decodes any bytes") from None
    bom = " with a byte-order mark" if data.startswith(codecs.BOM_UTF8) else ""
    return text, [f"Encoding UTF-8{bom}."], []


def _sniff(text: str) -> str | None:
    """The delimiter among DELIMITERS that splits the first lines most consistently."""
    lines = text[:65536].splitlines()[:50]
    if len(text) > 65536 and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut short
    best, best_key = None, (0.0, 1)
    for delimiter in DELIMITERS:
        rows = list(csv.reader(lines, delimiter=delimiter))
        width = len(rows[0]) if rows else 0
        if width < 2:
            continue
        data = [r for r in rows[1:] if r]
        share = sum(len(r) == width for r in data) / len(data) if data else 1.0
        if (share, width) > best_key:
            best, best_key = delimiter, (share, width)
    return best


def _line_starts(text: str, n_rows: int, delimiter: str, name: str) -> tuple[np.ndarray, str]:
    """The file line of each data row; a note when quoted line breaks were counted."""
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    if physical == n_rows + 1 and "\r" not in text.replace("\r\n", ""):
        return np.arange(2, n_rows + 2, dtype="int64"), ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts, line = [], 1
    for _ in reader:
        starts.append(line)
        line = reader.line_num + 1
    if len(starts) != n_rows + 1:
        raise ValueError(f"{name}: could not count the lines of the file (it has {n_rows} rows "
                         f"but {len(starts) - 1} records with Python's csv module); check its "
                         "quoting")
    return (np.array(starts[1:], dtype="int64"),
            "Some values hold line breaks (inside quotes); lines are counted in the file.")


def _blank_lines(text: str, lines: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Which candidate rows are lines holding nothing but spaces (a blank line)."""
    wanted = set(lines[candidates].tolist())
    blank_lines: set[int] = set()
    line, position = 1, 0
    for match in re.finditer(r"(?m)^[ \t]*\r?$", text):
        line += text.count("\n", position, match.start())
        position = match.start()
        if line in wanted:
            blank_lines.add(line)
    return np.isin(lines[candidates], list(blank_lines))


def _open_text(name: str, data: bytes, delimiter: str | None,
               encoding: str | None) -> _Opened:
    text, notes, warnings = _decode(data, name, encoding)
    if not text.strip():
        raise ValueError(f"{name}: the file is empty (no header and no rows)")
    if delimiter is None:
        delimiter = _sniff(text)
        if delimiter is None:
            delimiter = ","
            notes.append("No delimiter found (, ; tab or |): the file has one column.")
        else:
            notes.append(f"Delimiter {_NAMES[delimiter]} (detected).")
    else:
        notes.append(f"Delimiter {_NAMES.get(delimiter, repr(delimiter))} (as given).")
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])

    def read(positions: list[int]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        try:
            # No header and every column: only then does pandas refuse a row with more fields
            # than the header (with usecols or a header it may drop the extra fields silently).
            table = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str,
                                keep_default_na=False, skip_blank_lines=False, index_col=False,
                                engine="c")
        except pd.errors.ParserError as exc:
            fields = _FIELDS.search(str(exc))
            if fields:
                want, line, saw = fields.groups()
                raise ValueError(f"{name}: line {line} has {saw} fields but the header has "
                                 f"{want} (delimiter {_NAMES.get(delimiter, repr(delimiter))});"
                                 " quote values that contain the delimiter, or give the "
                                 "delimiter") from None
            first = str(exc).strip().splitlines()[0]
            raise ValueError(f"{name}: not a readable delimited text file ({first})") from None
        if table.shape[1] != len(header):
            raise ValueError(f"{name}: the header has {len(header)} fields but the rows have "
                             f"{table.shape[1]}; check the quoting of line 1")
        frame = table.iloc[1:, positions].reset_index(drop=True)
        frame.columns = range(len(positions))
        lines, note = _line_starts(text, len(frame), delimiter, name)
        if note:
            notes.append(note)
        blank = np.zeros(len(frame), dtype=bool)
        if len(frame):
            empty = np.logical_and.reduce([frame[c].str.strip().eq("").to_numpy(dtype=bool)
                                           for c in frame.columns])
            candidates = np.flatnonzero(empty)
            if len(candidates):
                blank[candidates] = _blank_lines(text, lines, candidates)
        return frame, lines, blank

    return _Opened(name, "line", [h.strip() for h in header], read, notes, warnings,
                   comma_delimited=delimiter == ",")


def _open(source: object, delimiter: str | None, encoding: str | None) -> _Opened:
    if isinstance(source, pd.DataFrame):
        return _open_frame(source, "the DataFrame", "Read from a DataFrame.")
    if not isinstance(source, str | os.PathLike):
        raise TypeError("the predictions must be a path to a CSV or Parquet file or a DataFrame,"
                        f" got {type(source).__name__}")
    name = os.fspath(source)
    name = name.decode() if isinstance(name, bytes) else name
    path = Path(name).expanduser()
    if not path.exists():
        raise MissingFileError(f"{name}: file not found")
    if path.is_dir():
        raise ValueError(f"{name}: is a folder, not a file of predictions")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            if path.stat().st_size == 0:
                raise ValueError(f"{name}: the file is empty (0 bytes)")
            try:
                frame = pd.read_parquet(path, engine="pyarrow")
            except ImportError:
                # pyarrow is an optional extra: pandas loads it at import when it is
                # there, which costs every lab kernel ~45 MB, so learners go without.
                raise ValueError(f"{name}: reading Parquet needs the pyarrow package "
                                 "(pip install 'labkit[parquet]', or save the extract as "
                                 "CSV)") from None
            except (ValueError, TypeError, OSError) as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise ValueError(f"{name}: not a readable Parquet file ({first})") from None
            return _open_frame(frame, name, "Read as a Parquet file.")
        data = path.read_bytes()
    except PermissionError:
        raise ValueError(f"{name}: cannot be read (permission denied)") from None
    if not data.strip():
        raise ValueError(f"{name}: the file is empty (no header and no rows)")
    return _open_text(name, data, delimiter, encoding)


# --------------------------------------------------------------------------
# Cells


def _unique_text(value: object) -> str | None:
    """One distinct cell of a typed column as text (None if missing); 3.0 -> '3'."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    return str(value).strip()


def _text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Each cell as stripped text (<NA> where missing) and the mask of missing cells."""
    if isinstance(values.dtype, pd.StringDtype):
        text = values.str.strip()
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        table = np.array([*(_unique_text(u) for u in uniques), None], dtype=object)
        text = pd.Series(table[codes], dtype="str")
    missing = (text.isna() | text.str.lower().isin(MISSING_WORDS)).to_numpy(dtype=bool)
    return text.where(~missing), missing


def _factorized(text: pd.Series, missing: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes (-1 where missing) and the distinct values, in order of first appearance."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    codes = np.where(missing, -1, codes)
    return codes, [str(u) for u in uniques]


# --------------------------------------------------------------------------
# The columns


def _outcome(values: pd.Series, col: str, where: _Where, positive: str | None,
             notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The outcome as int8 0/1 (0 where missing) and the missing mask."""
    text, missing = _text(values)
    codes, uniques = _factorized(text, missing)
    if positive is not None:
        keys = [u.lower() for u in uniques]
        distinct = list(dict.fromkeys(keys))
        target = positive.strip().lower()
        if len(distinct) > 2 or target not in distinct:
            problem = ("has more than two distinct values" if len(distinct) > 2 else
                       f"has no value {positive!r}")
            found = where.by_value(codes, uniques, range(len(uniques)))
            raise where.error(f"column {col!r} {problem} ({found}); with positive={positive!r}"
                              f" it must hold {positive!r} for the outcome and one other value "
                              "for no outcome")
        mapped = [int(k == target) for k in keys]
    else:
        mapped = []
        for u in uniques:
            key = u.lower()
            if key in TRUE_WORDS or key in FALSE_WORDS:
                mapped.append(int(key in TRUE_WORDS))
                continue
            try:
                number = float(key.replace(",", ".") if "." not in key else key)
            except ValueError:
                number = math.nan
            mapped.append(int(number) if number in (0.0, 1.0) else -1)
        bad = [k for k, m in enumerate(mapped) if m < 0]
        if bad:
            hint = (f"; if {uniques[bad[0]]!r} means the outcome happened, pass "
                    f"positive={uniques[bad[0]]!r} (any other value is then 0)"
                    if len(set(k.lower() for k in uniques)) <= 2 else "")
            raise where.error(f"column {col!r} must hold 1/0, yes/no, y/n, true/false or t/f; "
                              f"found {where.by_value(codes, uniques, bad)}{hint}")
    table = np.array([*mapped, 0], dtype="int8")
    outcome = table[codes]
    ones = [repr(u) for u, m in zip(uniques, mapped, strict=True) if m == 1]
    zeros = [repr(u) for u, m in zip(uniques, mapped, strict=True) if m == 0]
    if positive is not None:
        notes.append(f"Column {col!r}: {_listed(ones) or repr(positive)} read as 1 (positive="
                     f"{positive!r}), {_listed(zeros) or 'nothing'} as 0.")
    else:
        notes.append(f"Column {col!r}: {_listed(ones) or 'nothing'} read as 1, "
                     f"{_listed(zeros) or 'nothing'} as 0.")
    return outcome, missing


def _format_phrase(decimal: str, thousands: str | None) -> str:
    """'a decimal comma and thousands separator '.''."""
    mark = "a decimal comma" if decimal == "," else "a decimal point"
    return mark + (f" and thousands separator {thousands!r}" if thousands else "")


def _number_format(text: pd.Series, col: str, where: _Where, decimal: str | None,
                   thousands: str | None, comma_delimited: bool) -> tuple[str, str | None, str]:
    """The decimal mark and thousands separator of a column of numbers, and where they came
    from ('as given', or the value they were detected from)."""
    present = text.dropna()
    if decimal is not None or thousands is not None:
        if decimal is None:  # thousands given: a comma that is not it is the decimal mark
            comma = thousands != "," and present.str.contains(",", regex=False).any()
            decimal = "," if thousands == "." or comma else "."
        return decimal, thousands, "as given"
    comma = present.str.contains(",", regex=False).to_numpy(dtype=bool)
    dot = present.str.contains(".", regex=False).to_numpy(dtype=bool)
    both = comma & dot
    if both.any():
        last_comma = (present.str.rfind(",") > present.str.rfind(".")).to_numpy(dtype=bool)
        european, english = both & last_comma, both & ~last_comma
        if european.any() and english.any():
            a, b = int(np.argmax(european)), int(np.argmax(english))
            raise where.error(f"column {col!r} mixes number formats: {where.word} "
                              f"{where.lines[present.index[a]]} ({present.iloc[a]!r}) and "
                              f"{where.word} {where.lines[present.index[b]]} "
                              f"({present.iloc[b]!r}); give the decimal mark and thousands "
                              "separator")
        example = f"detected from {present[both].iloc[0]!r}"
        return (",", ".", example) if european.any() else (".", ",", example)
    if comma.any():
        with_comma = present[comma]
        example = f"detected from {with_comma.iloc[0]!r}"
        grouped = with_comma.str.fullmatch(r"[+-]?\d{1,3}(,\d{3})+").to_numpy(dtype=bool)
        several = (with_comma.str.count(",") > 1).to_numpy(dtype=bool)
        if (several & grouped).any() or (comma_delimited and grouped.all()):
            return ".", ",", example
        return ",", None, example
    dots = present.str.fullmatch(r"[+-]?\d{1,3}(\.\d{3}){2,}").to_numpy(dtype=bool)
    if dots.any():
        return ",", ".", f"detected from {present[dots].iloc[0]!r}"
    return ".", None, "the default"


def _score(values: pd.Series, col: str, where: _Where, decimal: str | None,
           thousands: str | None, comma_delimited: bool, notes: list[str]
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Callable[[np.ndarray], list[object]],
                      str]:
    """The score as float64 (NaN where missing), the missing mask, the '%' mask, a way to
    show the cells as they were written, and ' (read with ...)' for messages."""
    if values.dtype.kind == "b" or isinstance(values.dtype, pd.BooleanDtype):
        raise where.error(f"column {col!r} holds True/False, not predicted probabilities "
                          f"({where.rows(np.arange(min(len(values), MAX_SHOWN)))}, ...)")
    if values.dtype.kind in "iuf" or (isinstance(values.dtype, pd.api.extensions.ExtensionDtype)
                                       and pd.api.types.is_numeric_dtype(values.dtype)):
        number = values.to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(number)
        bad = np.isinf(number)
        if bad.any():
            where_bad = np.flatnonzero(bad)
            raise where.error(f"column {col!r} holds values that are not finite numbers: "
                              + where.values(where_bad, lambda p: number[p].tolist()))
        notes.append(f"Column {col!r}: read as numbers.")
        return (number, missing, np.zeros(len(number), dtype=bool),
                lambda p: number[p].tolist(), "")
    text, missing = _text(values)
    percent = text.str.endswith("%").fillna(False).to_numpy(dtype=bool)
    body = text.str.removesuffix("%").str.strip() if percent.any() else text
    decimal, thousands, origin = _number_format(body, col, where, decimal, thousands,
                                                comma_delimited)
    how = _format_phrase(decimal, thousands)
    read = "" if how == "a decimal point" else f" (read with {how})"
    invalid = np.zeros(len(body), dtype=bool)
    if thousands:  # 1,234,567.5: groups of three digits
        grouping = rf"[+-]?\d{{1,3}}({re.escape(thousands)}\d{{3}})+({re.escape(decimal)}\d*)?"
        has = body.str.contains(thousands, regex=False).fillna(False).to_numpy(dtype=bool)
        invalid |= has & ~body.str.fullmatch(grouping).fillna(False).to_numpy(dtype=bool)
        body = body.str.replace(thousands, "", regex=False)
    other = "," if decimal == "." else "."
    invalid |= body.str.contains(other, regex=False).fillna(False).to_numpy(dtype=bool)
    if decimal != ".":
        body = body.str.replace(decimal, ".", regex=False)
    number = pd.to_numeric(body, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    invalid |= (np.isnan(number) | np.isinf(number)) & ~missing
    shown_text = text.to_numpy(dtype=object, na_value=None)

    def shown(positions: np.ndarray) -> list[object]:
        return shown_text[positions].tolist()

    if invalid.any():
        bad = np.flatnonzero(invalid)
        raise where.error(f"column {col!r} holds values that are not numbers{read}: "
                          + where.values(bad, shown) + "; the audit needs predicted "
                          "probabilities")
    number = np.where(missing, np.nan, number)
    notes.append(f"Column {col!r}: numbers with {how} ({origin}).")
    return number, missing, percent, shown, read


def _scale(number: np.ndarray, missing: np.ndarray, percent: np.ndarray, col: str,
           where: _Where, scale: str, shown: Callable[[np.ndarray], list[object]], read: str,
           notes: list[str], warnings: list[str]) -> np.ndarray:
    """Scores as probabilities in [0, 1]: percentages divided by 100, per ``scale``."""
    known = ~missing
    in_unit = known & (number >= 0) & (number <= 1)
    in_percent = known & (number >= 0) & (number <= 100)
    if scale == "probability":
        if percent.any():
            raise where.error(f"column {col!r} holds percentages ("
                              + where.values(np.flatnonzero(percent), shown)
                              + ") but scale='probability' was given")
        outside = np.flatnonzero(known & ~in_unit)
        if len(outside):
            raise where.error(f"column {col!r} has values outside [0, 1] (scale='probability' "
                              "was given): " + where.values(outside, shown))
        notes.append(f"Column {col!r}: probabilities (scale='probability' as given).")
        return number
    if scale == "percent":
        outside = np.flatnonzero(known & ~in_percent)
        if len(outside):
            raise where.error(f"column {col!r} has values outside [0, 100] (scale='percent' was "
                              "given): " + where.values(outside, shown))
        notes.append(f"Column {col!r}: percentages divided by 100 (scale='percent' as given).")
        return number / 100
    if percent.any() and not percent[known].all():
        plain = np.flatnonzero(known & ~percent)
        raise where.error(f"column {col!r} mixes values written with '%' ("
                          + where.values(np.flatnonzero(percent), shown) + ") and without ("
                          + where.values(plain, shown) + "); write them all one way, or give "
                          "the scale")
    if not percent.any() and in_unit[known].all():
        notes.append(f"Column {col!r}: probabilities (every value is in [0, 1]).")
        return number
    outside = np.flatnonzero(known & ~in_percent)
    if len(outside):
        raise where.error(f"column {col!r} has values outside [0, 1] that are not percentages"
                          f"{read}: " + where.values(outside, shown) + "; the audit needs "
                          "predicted probabilities (a points score or log-odds must be converted "
                          "first)")
    top = float(np.nanmax(number))
    written = ", written with '%'" if percent.any() else ""
    hint = "" if percent.any() else "; pass scale='probability' if that is wrong"
    warnings.append(f"Column {col!r} holds percentages (largest {top:g}{written}): they were "
                    f"divided by 100 to give probabilities{hint}.")
    notes.append(f"Column {col!r}: percentages divided by 100.")
    return number / 100


def _time(values: pd.Series, col: str, where: _Where,
          notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Dates as datetime64[ns] (NaT where missing) and the missing mask."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        notes.append(f"Column {col!r}: time zone {values.dt.tz} dropped (local times kept).")
        values = values.dt.tz_localize(None)
    if values.dtype.kind == "M":
        stamps = pd.Series(values.to_numpy(), dtype=values.dtype)
        missing = stamps.isna().to_numpy(dtype=bool)
        shown_raw = stamps.astype(str).where(~stamps.isna())
        parsed = stamps
    else:
        text, missing = _text(values)
        codes, uniques = _factorized(text, missing)
        iso = pd.Series(uniques, dtype=object)
        quarter = iso.str.extract(_QUARTER)
        is_quarter = quarter[0].notna().to_numpy(dtype=bool)
        if is_quarter.any():
            month = quarter.loc[is_quarter, 1].astype(int) * 3 - 2
            iso[is_quarter] = (quarter.loc[is_quarter, 0] + "-"
                               + month.astype(str).str.zfill(2) + "-01")
        index = pd.Index(iso.to_numpy(dtype=object), dtype=object)
        try:
            dates = pd.to_datetime(index, format="ISO8601", errors="coerce")
        except ValueError:  # mixed time-zone offsets
            dates = pd.to_datetime(index, format="ISO8601", errors="coerce", utc=True)
            notes.append(f"Column {col!r}: times with different UTC offsets, converted to UTC.")
        if isinstance(dates, pd.DatetimeIndex) and dates.tz is not None:
            dates = dates.tz_localize(None)
        bad = np.flatnonzero(pd.isna(dates)).tolist()
        if bad:
            raise where.error(f"column {col!r} holds values that are not ISO 8601 dates "
                              f"(YYYY-MM-DD, optionally with a time, or a quarter like "
                              f"'2023Q2'): {where.by_value(codes, uniques, bad)}")
        table = pd.DatetimeIndex([*dates, pd.NaT])
        parsed = pd.Series(table[codes])
        shown_raw = text
    early = (parsed < _EARLIEST) | (parsed > _LATEST)
    if early.any():
        bad = np.flatnonzero(early.to_numpy(dtype=bool))
        raise where.error(f"column {col!r} has dates outside {_EARLIEST:%Y}-{_LATEST:%Y}, "
                          "probably placeholders: " + where.values(
                              bad, lambda p: shown_raw.iloc[p].tolist()))
    return parsed.to_numpy(dtype="datetime64[ns]"), missing


def _ids(values: pd.Series, col: str, where: _Where) -> tuple[np.ndarray, np.ndarray]:
    """Ids as an object array of str (None where missing); one error if any repeats."""
    text, missing = _text(values)
    dup = text.duplicated(keep=False).to_numpy(dtype=bool) & ~missing
    if dup.any():
        positions = np.flatnonzero(dup)
        codes, uniques = pd.factorize(text.iloc[positions])
        first = [int(k) for k in pd.unique(codes)[:MAX_SHOWN]]
        parts = [f"{uniques[k]!r} on {where.rows(positions[codes == k])}" for k in first]
        n = len(uniques)
        raise where.error(f"column {col!r}: {n} id{' appears' if n == 1 else 's appear'} more "
                          f"than once ({_listed(parts, n)}): the audit expects one row per "
                          "patient; keep one row per patient (e.g. each patient's first "
                          "admission), or leave out the id column to treat rows as different "
                          "patients")
    return text.to_numpy(dtype=object, na_value=None), missing


# --------------------------------------------------------------------------
# Reading


def _check_arguments(outcome: object, score: object, groups: object, time: object, id: object,
                     delimiter: object, thousands: object, decimal: object, encoding: object,
                     positive: object, scale: object) -> None:
    for label, value in (("outcome", outcome), ("score", score)):
        if not isinstance(value, str) or not value.strip():
            raise TypeError(f"{label} must be a column name (a non-empty str), got {value!r}")
    if isinstance(groups, str) or not isinstance(groups, Sequence) or not all(
            isinstance(g, str) and g.strip() for g in groups):
        raise TypeError("groups must be a list of column names (non-empty str), got "
                        f"{groups!r}")
    for label, value in (("time", time), ("id", id), ("positive", positive)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise TypeError(f"{label} must be a column name (a non-empty str) or None, got "
                            f"{value!r}")
    if scale not in SCALES:
        raise ValueError(f"scale must be 'auto', 'probability' or 'percent', got {scale!r}")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValueError(f"delimiter must be one character (e.g. ';' or a tab), got "
                         f"{delimiter!r}")
    if decimal not in (None, ".", ","):
        raise ValueError(f"decimal must be '.' or ',', got {decimal!r}")
    if thousands not in (None, ".", ",", " ", "'", "\u00a0"):
        raise ValueError(f"thousands must be ',', '.', ' ' or \"'\", got {thousands!r}")
    if decimal is not None and decimal == thousands:
        raise ValueError(f"decimal and thousands must differ, both are {decimal!r}")
    if encoding is not None:
        try:
            codecs.lookup(str(encoding))
        except LookupError:
            raise ValueError(f"unknown encoding {encoding!r} (e.g. 'utf-8', 'cp1252', "
                             "'latin-1')") from None


def _resolve(opened: _Opened, roles: list[tuple[str, str]]) -> list[int]:
    """The header position of each role's column: one error for any name problem."""
    header = opened.header
    seen: dict[str, list[int]] = {}
    for number, name in enumerate(header, start=1):
        seen.setdefault(name, []).append(number)
    repeated = {n: nums for n, nums in seen.items() if len(nums) > 1 and n}
    if repeated:
        name, nums = next(iter(repeated.items()))
        place = "in the header (line 1, " if opened.word == "line" else "among the columns ("
        raise opened.error(f"column {name!r} appears more than once {place}columns "
                           f"{_listed([str(n) for n in nums])}); rename one")
    used: dict[str, str] = {}
    for role, name in roles:
        if name in used:
            twice = ("twice as a group column" if role == used[name] else
                     f"as both the {used[name]} and the {role}")
            raise opened.error(f"column {name!r} is given {twice}; give each column one role")
        used[name] = role
    absent = [name for _, name in roles if name not in seen]
    if absent:
        there = ", ".join(repr(h) for h in header) or "none"
        lower = {h.lower(): h for h in header}
        close = [lower.get(a.lower()) or lower.get(next(iter(difflib.get_close_matches(
            a.lower(), list(lower), 1, 0.5)), "")) for a in absent]
        hint = "; ".join(f"did you mean {c!r} for {a!r}?" for a, c in zip(absent, close,
                                                                          strict=True) if c)
        word = "column" if len(absent) == 1 else "columns"
        raise opened.error(f"no {word} {_listed([repr(a) for a in absent])} (the "
                           f"columns are {there})" + (f"; {hint}" if hint else ""))
    return [seen[name][0] - 1 for _, name in roles]


def read_predictions(source: str | os.PathLike[str] | pd.DataFrame, *, outcome: str,
                     score: str, groups: Sequence[str] = (), time: str | None = None,
                     id: str | None = None, delimiter: str | None = None,
                     thousands: str | None = None, decimal: str | None = None,
                     encoding: str | None = None, positive: str | None = None,
                     scale: str = "auto") -> Predictions:
    """Read and check a predictions extract: one row per patient.

    ``source`` is a Parquet file (``.parquet``/``.pq``), any other file as
    delimited text, or a DataFrame. ``outcome`` names the column of observed
    outcomes (1/0, yes/no, y/n, true/false, t/f, any case; or ``positive`` is
    the value meaning 1, any other value 0), ``score`` the model's predicted
    probability (``scale="auto"`` reads values in [0, 100], or written with
    ``%``, as percentages), ``groups`` the columns to compare patients by,
    ``time`` a date column (ISO 8601, or quarters like ``2023Q2``) and ``id``
    a patient id, which must not repeat. ``delimiter``, ``encoding``,
    ``decimal`` and ``thousands`` are detected unless given.

    Raises one ``ValueError`` naming the file, the column and the lines at
    fault for input the audit cannot use (a ``TypeError`` for wrong argument
    types); see the module docstring for what is tolerated instead.

    >>> frame = pd.DataFrame({"outcome": [1, 0, 1], "p": [0.9, 0.2, 0.6]})
    >>> read_predictions(frame, outcome="outcome", score="p").outcome.tolist()
    [1, 0, 1]
    """
    if delimiter in ("tab", "\\t"):  # as typed on a command line
        delimiter = "\t"
    _check_arguments(outcome, score, groups, time, id, delimiter, thousands, decimal, encoding,
                     positive, scale)
    outcome, score = outcome.strip(), score.strip()
    group_names = [g.strip() for g in groups]
    roles = [("outcome", outcome), ("score", score)]
    roles += [("group column", g) for g in group_names]
    time_name = time.strip() if time is not None else None
    id_name = id.strip() if id is not None else None
    roles += [("time column", time_name)] if time_name is not None else []
    roles += [("id column", id_name)] if id_name is not None else []
    opened = _open(source, delimiter, encoding)
    positions = _resolve(opened, roles)
    raw, lines, blank = opened.read(positions)
    notes, warnings = opened.notes, opened.warnings
    if blank.any():
        skipped = np.flatnonzero(blank)
        notes.append(f"Blank {_Where(opened.name, opened.word, lines).rows(skipped)} skipped "
                     "(no data).")
        keep = np.flatnonzero(~blank)
        raw, lines = raw.iloc[keep].reset_index(drop=True), lines[keep]
    if len(raw) == 0:
        raise opened.error("has a header but no data rows" if opened.word == "line" else
                           "has no rows")
    where = _Where(opened.name, opened.word, lines)
    column = {name: raw[i] for i, (_, name) in enumerate(roles)}

    # Every check that can fail runs before anything is left out.
    y, y_missing = _outcome(column[outcome], outcome, where, positive, notes)
    number, s_missing, percent, shown, read = _score(column[score], score, where, decimal,
                                                     thousands, opened.comma_delimited, notes)
    scale_warnings: list[str] = []
    number = _scale(number, s_missing, percent, score, where, scale, shown, read, notes,
                    scale_warnings)
    dated = _time(column[time_name], time_name, where, notes) if time_name else None
    named = _ids(column[id_name], id_name, where) if id_name else None
    group_text = {g: _text(column[g]) for g in group_names}

    excluded = y_missing | s_missing
    for mask, col in ((y_missing, outcome), (s_missing, score)):
        if mask.any():
            why = (" A patient the model did not score is itself a finding: ask why." if
                   col == score else "")
            warnings.append(f"Column {col!r} has no value on {where.count(np.flatnonzero(mask))}"
                            f": left out of the audit.{why}")
    kept = np.flatnonzero(~excluded)
    if len(kept) == 0:
        raise where.error(f"every row lacks the outcome (column {outcome!r}) or the score "
                          f"(column {score!r}): {where.rows(np.arange(len(raw)))}")
    y_kept = y[kept]
    if y_kept.min() == y_kept.max():
        left = (f"; {int(excluded.sum())} more left out with no outcome or score"
                if excluded.any() else "")
        span = (f"the one row kept ({where.word} {lines[kept[0]]}" if len(kept) == 1 else
                f"all {len(kept)} rows kept ({where.word}s {lines[kept[0]]} to "
                f"{lines[kept[-1]]}")
        raise where.error(f"column {outcome!r} has outcome {int(y_kept[0])} in {span}{left}): "
                          "discrimination and calibration need patients with and without the "
                          "outcome")
    warnings += scale_warnings
    score_kept = number[kept]
    if score_kept.min() == score_kept.max():
        warnings.append(f"Column {score!r} has the same value ({score_kept[0]:g}) for every "
                        "patient: the model does not rank patients, so the AUROC is 0.5 and "
                        "the calibration slope cannot be estimated.")

    kept_where = _Where(opened.name, opened.word, lines[kept])

    def gaps(col: str, missing: np.ndarray, what: str, consequence: str) -> None:
        gap = np.flatnonzero(missing[kept])
        if len(gap):
            warnings.append(f"Column {col!r} has no {what} on {kept_where.count(gap)}: "
                            f"{consequence}.")

    group_columns: dict[str, np.ndarray] = {}
    for g, (text, missing) in group_text.items():
        gaps(g, missing, "value", f"shown as the group {MISSING!r}")
        labels = text.to_numpy(dtype=object, na_value=MISSING)[kept]
        distinct = pd.unique(labels)
        if len(distinct) == 1:
            warnings.append(f"Column {g!r} has one value ({distinct[0]!r}) for every patient: "
                            "no comparison between groups is possible.")
        group_columns[g] = labels
    columns = {"outcome": outcome, "score": score}
    time_series = id_array = None
    if dated is not None and time_name is not None:
        columns["time"] = time_name
        gaps(time_name, dated[1], "date", "left out of the over-time analysis only")
        time_series = pd.Series(dated[0][kept], name=time_name)
    if named is not None and id_name is not None:
        columns["id"] = id_name
        gaps(id_name, named[1], "id", "not checked for repeat patients")
        id_array = named[0][kept]
    return Predictions(
        source=opened.name,
        outcome=y_kept.astype("int8"),
        score=score_kept.astype("float64"),
        groups=pd.DataFrame(group_columns, index=pd.RangeIndex(len(kept)),
                            columns=group_names, dtype=object),
        time=time_series,
        ids=id_array,
        lines=lines[kept].astype("int64"),
        columns=columns,
        n_read=len(raw),
        n_excluded=int(excluded.sum()),
        warnings=tuple(warnings),
        notes=tuple(notes),
    )
