"""Renderers, discovered from this package: each module defines FORMAT (its --format name),
EXTENSION (for files in reports/) and render(result, options) -> str."""

import importlib
import pkgutil


def _discover() -> dict:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "FORMAT") and hasattr(module, "render"):
            found[module.FORMAT] = module
    return found


FORMAT_MODULES = _discover()
RENDERERS = {name: module.render for name, module in FORMAT_MODULES.items()}


def render(format_name: str, result, options) -> str:
    return RENDERERS[format_name](result, options)
