"""Subcommands, discovered from this package: each module defines NAME, ORDER and
add_parser(subparsers, epilog), which sets `run` on its parser. A new command is a new module."""

import importlib
import os


def discover() -> list:
    modules = [importlib.import_module(f"{__name__}.{name}") for name in _module_names()]
    return sorted((m for m in modules if hasattr(m, "add_parser")), key=lambda m: (getattr(m, "ORDER", 50), m.__name__))


def _module_names() -> list[str]:
    """The package's modules, as pkgutil.iter_modules names them, without pkgutil (it imports inspect, ast and
    dis: ~6 ms of every run, more than some whole audits)."""
    names = set()
    for folder in __path__:
        for entry in os.scandir(folder):
            stem, _, suffix = entry.name.partition(".")
            if suffix == "py" and stem.isidentifier() and stem != "__init__" and entry.is_file():
                names.add(stem)
    return sorted(names)


def exit_codes(*codes: tuple[int, str]) -> str:
    """A command's own `exit codes:` epilog for its --help."""
    return "exit codes:\n" + "".join(f"  {code}  {meaning}\n" for code, meaning in codes)


def choice(known, what: str = "choice"):
    """An argparse type: one of `known`, case ignored; a typo gets "did you mean ...?"."""
    import argparse

    from auditor.errors import did_you_mean
    names = sorted(known)

    def parse(text: str) -> str:
        for name in names:
            if name.casefold() == text.casefold():
                return name
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r}{did_you_mean(text, names)} "
                                         f"(choose from {', '.join(names)})")
    parse.__name__ = what
    return parse
