"""The typed error of mission files."""

from __future__ import annotations


class PlanFileError(ValueError):
    """A mission file cannot be read or written; names the file and, if known, line and field."""

    def __init__(
        self, path: str, message: str, line: int | None = None, field: str | None = None
    ) -> None:
        where = path
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field {field}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.field = field
        self.reason = message
