"""Subcommands, discovered from this package: each module defines NAME, ORDER and
add_parser(subparsers, epilog), which sets `run` on its parser. A new command is a new module."""

import importlib
import pkgutil


def discover() -> list:
    modules = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return sorted((m for m in modules if hasattr(m, "add_parser")), key=lambda m: (getattr(m, "ORDER", 50), m.__name__))


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
