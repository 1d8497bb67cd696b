"""The compiled part of the engine (``_history.pyx``), when it is there and current.

The install compiles ``_history.pyx`` with Cython when a C compiler is at hand. Its
functions answer exactly as the Python code they stand in for (property tests hold them
equal), or leave the work to it. A build older than its source is never used: the build
carries the SHA-256 of the source it compiled.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType


def compiled_kernel(module: ModuleType | None = None) -> ModuleType | None:
    """``_history`` (or ``module``) when it is built from the source beside it, else None:
    installed without a C compiler, or the source changed since the build. The engine then
    works in Python alone, with the same results."""
    if module is None:
        try:
            from arrears.domain.compliance import _history as module
        except ImportError:
            return None
    source = Path(__file__).with_name("_history.pyx")
    if source.is_file() and (hashlib.sha256(source.read_bytes()).hexdigest()
                             != getattr(module, "SOURCE_SHA256", None)):
        return None
    return module
