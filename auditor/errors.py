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


def did_you_mean(given: str, known) -> str:
    """`; did you mean X?` when one known name is close to `given` (case ignored), else ""."""
    import difflib
    by_folded = {name.casefold(): name for name in known}
    folded = given.casefold()
    # One character typed wrong (AGW1O1, agw10l) first: difflib alone ranks AGW115 as close as AGW101.
    close = [name for name in by_folded if len(name) == len(folded) and sum(a != b for a, b in zip(name, folded)) == 1]
    close = close or difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=0.6)
    return f"; did you mean {by_folded[close[0]]}?" if close else ""
