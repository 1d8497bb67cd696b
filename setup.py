"""The compiled part of the package (everything else is declared in pyproject.toml).

The compliance engine's reading and counting of contact histories is compiled with Cython.
It is optional: without a C compiler the package installs without it and the engine does
that work in Python, with the same results. The build records the SHA-256 of the source
it compiled, so that a build older than its source is never used
(``arrears.domain.compliance.kernel``).
"""

import hashlib
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCE = "src/arrears/domain/compliance/_history.pyx"
SHA = hashlib.sha256((Path(__file__).parent / SOURCE).read_bytes()).hexdigest()


class OptionalBuildExt(build_ext):
    """Compile the extensions when a C compiler is at hand; else go on without them (each
    has the Python code it stands in for)."""

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001 - whatever the compiler's failure looks like
            self.warn(f"{ext.name} is not compiled ({exc}); the compliance engine does that "
                      "work in Python, with the same results")


EXTENSIONS = cythonize(
    [Extension("arrears.domain.compliance._history", [SOURCE],
               define_macros=[("ARREARS_SOURCE_SHA256", f'"{SHA}"')])],
    compiler_directives={"language_level": 3}, quiet=True)
for extension in EXTENSIONS:
    extension.optional = True  # cythonize does not carry it over; an editable install reads it

setup(cmdclass={"build_ext": OptionalBuildExt}, ext_modules=EXTENSIONS)
