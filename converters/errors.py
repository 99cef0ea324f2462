"""Errors and problem reports that name the file, line or offset where input went wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input (or lost on output), located as precisely as known."""

    path: str
    message: str
    line: int | None = None
    offset: int | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        if self.offset is not None:
            where += f" (offset {self.offset})"
        return f"{where}: {self.message}"


class ConversionError(ValueError):
    """Input that cannot be read (or a document that cannot be written) as asked.

    Always names the file and, where known, the 1-based line or the character offset, so a user
    can open the file and find the problem. ``problems`` lists every problem found when a reader
    collected several before giving up.
    """

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        offset: int | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        self.problem = Problem(str(path), message, line, offset)
        self.problems = problems or [self.problem]
        super().__init__(str(self.problem))

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> ConversionError:
        """One error for a reader's whole list: the first problem located as the message (with
        how many more there are), every problem in ``problems``."""
        first = problems[0]
        message = first.message
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more problems)"
        return cls(first.path, message, line=first.line, offset=first.offset, problems=problems)

    @property
    def path(self) -> str:
        return self.problem.path

    @property
    def line(self) -> int | None:
        return self.problem.line

    @property
    def offset(self) -> int | None:
        return self.problem.offset


def read_utf8(path: Path) -> str:
    """Read a text file as strict UTF-8, naming the file and byte offset when it is not.

    Newlines are kept exactly as on disk (no universal-newline translation): offsets in
    standoff formats count ``\\r`` characters too.
    """
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConversionError(
            path, f"not valid UTF-8 (byte {exc.start}: {exc.reason})", offset=exc.start
        ) from None
