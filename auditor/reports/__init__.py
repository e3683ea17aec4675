"""Renderers, discovered from this package: each module defines FORMAT (its --format name),
EXTENSION (for files in reports/) and render(result, options) -> str."""

import importlib
import importlib.util
import pkgutil
import re

_DECLARES_FORMAT = re.compile(r"^FORMAT = ", re.M)


def _discover() -> dict:
    """Import the modules that declare a FORMAT; the helpers beside them (the wiring drawing, line index...)
    load only when a renderer uses them."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        spec = importlib.util.find_spec(f"{__name__}.{info.name}")
        try:
            source = spec.loader.get_source(spec.name) if spec and spec.loader else None
        except (ImportError, OSError):
            source = None
        if source is not None and not _DECLARES_FORMAT.search(source):
            continue  # no renderer (a module without source, e.g. compiled only, is imported to be sure)
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "FORMAT") and hasattr(module, "render"):
            found[module.FORMAT] = module
    return found


FORMAT_MODULES = _discover()
RENDERERS = {name: module.render for name, module in FORMAT_MODULES.items()}


def render(format_name: str, result, options) -> str:
    return RENDERERS[format_name](result, options)
