"""Errors a user can act on: bad input or usage. The CLI turns them into exit code 2."""


class InputError(Exception):
    """A file the user gave us is unreadable or malformed; names the file and the JSON path."""

    def __init__(self, message: str, file: str | None = None, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            where += f" at {self.path}"
        return f"{where}: {self.message}"


class UsageError(Exception):
    """A command-line option is wrong (unknown rule id, bad severity...)."""
