"""tabulate, imported the first time a table is drawn, without what its import costs and no table needs.

tabulate 0.10 reads its own version with importlib.metadata when it is imported: that import and the scan of
every installed distribution cost 15-25 ms, more than drawing the largest report's tables (and importlib.metadata
is otherwise never loaded: auditor.engine looks for plugins without it when none can be installed). Unless
importlib.metadata is loaded already, tabulate is imported beside a stand-in whose `version` finds nothing, so
tabulate names itself "unknown"; the stand-in is gone from sys.modules once tabulate is in, and any later
`import importlib.metadata` gets the real module.
"""

import sys
import threading
import types

_LOCK = threading.Lock()
_METADATA = "importlib.metadata"


def tabulate(*args, **kwargs) -> str:
    return _tabulate()(*args, **kwargs)


def _tabulate():
    module = sys.modules.get("tabulate")
    if module is None:
        with _LOCK:
            module = sys.modules.get("tabulate") or _import_tabulate()
    return module.tabulate


class _NotFound(Exception):
    pass


def _not_found(name: str):
    raise _NotFound(name)


def _import_tabulate():
    if _METADATA in sys.modules:
        import tabulate
        return tabulate
    stand_in = types.ModuleType(_METADATA)
    stand_in.version, stand_in.PackageNotFoundError = _not_found, _NotFound
    sys.modules[_METADATA] = stand_in
    try:
        import tabulate
    except ImportError:  # a tabulate that wants more of importlib.metadata: the ordinary import
        sys.modules.pop("tabulate", None)
        del sys.modules[_METADATA]
        import tabulate
    finally:
        if sys.modules.get(_METADATA) is stand_in:
            del sys.modules[_METADATA]
    return tabulate
