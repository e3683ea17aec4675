"""Subcommands, discovered from this package: each module defines NAME, ORDER and
add_parser(subparsers, epilog), which sets `run` on its parser. A new command is a new module."""

import importlib
import pkgutil


def discover() -> list:
    modules = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return sorted((m for m in modules if hasattr(m, "add_parser")), key=lambda m: (getattr(m, "ORDER", 50), m.__name__))
