"""The compiled part of the package (everything else is declared in pyproject.toml).

The compliance engine's reading and counting of contact histories is compiled with Cython.
It is optional: without a C compiler the package installs without it and the engine does
that work in Python, with the same results. The build records the SHA-256 of the source
it compiled, so that a build older than its source is never used (see ``parse.py``).
"""

import hashlib
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

SOURCE = "src/arrears/domain/compliance/_history.pyx"
SHA = hashlib.sha256((Path(__file__).parent / SOURCE).read_bytes()).hexdigest()

setup(ext_modules=cythonize(
    [Extension("arrears.domain.compliance._history", [SOURCE], optional=True,
               define_macros=[("ARREARS_SOURCE_SHA256", f'"{SHA}"')])],
    compiler_directives={"language_level": 3}, quiet=True))
