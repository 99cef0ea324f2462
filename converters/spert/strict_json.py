"""Strict JSON decoding for SpERT files: every error names the file and the line.

``json.loads`` keeps the last of two duplicate keys, reports nothing past the first syntax
error, lets lone surrogates (``"\\ud800"``) through and raises ``RecursionError`` on deep
nesting. SpERT data files and types files are decoded here instead, so that those inputs
become ``ConversionError``s located in the file, and a data file's records come with the line
where each starts (the record validation reports them with it).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from pathlib import Path
from typing import Any

from converters.errors import ConversionError

_JSON_WS = re.compile(r"[ \t\n\r]*")

ListItem = tuple[Any, int | None, str | None]
"""A top-level list item: the decoded value, its 1-based first line, and a per-record
decoding error (a duplicate key) to report with the record's index instead of the value."""


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate key {key!r} in a JSON object")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` that refuses duplicate keys (``json`` would keep the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates)


def _json_error(path: str | Path, exc: json.JSONDecodeError) -> ConversionError:
    return ConversionError(
        path,
        f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
        line=exc.lineno,
        offset=exc.pos,
    )


def _decode_failure(path: str | Path, exc: Exception, line: int | None = None) -> ConversionError:
    """A decoder failure that is not a syntax error: nesting deeper than the interpreter's
    recursion limit (``[[[[...``) or an integer past Python's digit limit."""
    if isinstance(exc, RecursionError):
        message = "not valid JSON: nested too deeply"
    else:
        message = f"not valid JSON: {exc}"
    return ConversionError(path, message, line=line)


def decode(path: str | Path, text: str) -> Any:
    """The one JSON value in ``text``, refusing duplicate keys; errors name ``path``."""
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise _json_error(path, exc) from None
    except _DuplicateKey as exc:
        raise ConversionError(path, str(exc)) from None
    except (RecursionError, ValueError) as exc:
        raise _decode_failure(path, exc) from None


def has_lone_surrogate(value: Any) -> bool:
    """Whether a decoded JSON value holds a lone surrogate (``"\\ud800"``) anywhere: such a
    string cannot be encoded as UTF-8, so no writer or database could store it."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if any(0xD800 <= ord(c) <= 0xDFFF for c in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_list(path: str | Path, text: str) -> list[ListItem]:
    """The top-level list's items, each with the 1-based line where it starts.

    The list is decoded item by item (``raw_decode``) so that a bad record can be reported with
    its line without a second pass, and a record with a duplicate key does not hide the
    problems of the records after it.
    """
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(pos: int) -> int:
        return bisect_right(newlines, pos - 1) + 1

    n = len(text)
    i = _JSON_WS.match(text, 0).end()  # type: ignore[union-attr]
    if i == n or text[i] != "[":
        value = decode(path, text)
        kind = {dict: "object", str: "string", bool: "boolean", type(None): "null"}.get(
            type(value), "number"
        )
        raise ConversionError(path, f"top level is a JSON {kind}, expected a list of records")
    items: list[ListItem] = []
    i = _JSON_WS.match(text, i + 1).end()  # type: ignore[union-attr]
    if i < n and text[i] == "]":
        i += 1
    else:
        while True:
            start = i
            try:
                obj, i = _DECODER.raw_decode(text, i)
                items.append((obj, line_of(start), None))
            except json.JSONDecodeError as exc:
                raise _json_error(path, exc) from None
            except _DuplicateKey as exc:
                # skip the broken record to keep reporting the others
                items.append((None, line_of(start), str(exc)))
                depth_end = _skip_value(text, start)
                if depth_end is None:
                    raise ConversionError(path, str(exc), line=line_of(start)) from None
                i = depth_end
            except (RecursionError, ValueError) as exc:
                raise _decode_failure(path, exc, line_of(start)) from None
            i = _JSON_WS.match(text, i).end()  # type: ignore[union-attr]
            if i < n and text[i] == ",":
                i = _JSON_WS.match(text, i + 1).end()  # type: ignore[union-attr]
                continue
            if i < n and text[i] == "]":
                i += 1
                break
            exc = json.JSONDecodeError("Expecting ',' or ']' after a record", text, i)
            raise _json_error(path, exc)
    i = _JSON_WS.match(text, i).end()  # type: ignore[union-attr]
    if i != n:
        raise _json_error(path, json.JSONDecodeError("Extra data after the list", text, i))
    return items


def _skip_value(text: str, start: int) -> int | None:
    """End of the JSON value at ``start``, decoded without the duplicate-key check."""
    try:
        return json.JSONDecoder().raw_decode(text, start)[1]
    except (RecursionError, ValueError):
        return None
