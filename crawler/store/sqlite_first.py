"""sqlite-utils loaded without numpy: 0.1 s off every command's start.

sqlite-utils imports numpy when it is installed, to store numpy values
(never stored here), and numpy's import is 0.1 s of a review command's
0.5 s. This module runs first in the store package: sqlite-utils is loaded
while ``import numpy`` fails, and numpy imports normally afterwards (the
crawl's language detector needs it).
"""

from __future__ import annotations

import sys


def import_sqlite_utils_without_numpy() -> None:
    """Import sqlite-utils with numpy hidden, unless either is loaded already."""
    if "sqlite_utils" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # import numpy -> ImportError, for this one import
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]


import_sqlite_utils_without_numpy()
