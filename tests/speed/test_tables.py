"""auditor.tables: tabulate without importlib.metadata, and nothing of the stand-in left behind."""

import subprocess
import sys

DRAW = """
import sys
from auditor.tables import tabulate
print(tabulate([[1, "a|b"], [22, "c"]], headers=["n", "text"]))
print("metadata loaded:", "importlib.metadata" in sys.modules)
import importlib.metadata
print("version:", importlib.metadata.version("tabulate"))
import tabulate as real
print("same function:", real.tabulate is tabulate.__globals__["_tabulate"]())
"""


def _run(code: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return proc.stdout.splitlines()


def test_tables_are_tabulates_own_and_importlib_metadata_stays_real():
    lines = _run(DRAW)
    from tabulate import tabulate
    assert "\n".join(lines[:4]) == tabulate([[1, "a|b"], [22, "c"]], headers=["n", "text"])
    assert "metadata loaded: False" in lines  # the import it would pay for is not made
    import importlib.metadata
    assert f"version: {importlib.metadata.version('tabulate')}" in lines  # the real module afterwards
    assert "same function: True" in lines


def test_with_importlib_metadata_already_loaded_tabulate_is_imported_as_usual():
    lines = _run("import importlib.metadata\n" + DRAW)
    assert "metadata loaded: True" in lines
    assert any(line.startswith("version: ") and "unknown" not in line for line in lines)
