"""pyarrow without its implicit pandas import, for the command line and its workers.

pyarrow imports pandas the first time almost any array is made or read (``pa.array``,
``to_numpy``, ``np.asarray``, ``pa.scalar``): its C++ conversion code and its lazy Python shim
both look for pandas by importing it.  That costs ~0.35 s here, a tenth of a million-row run and
half the start of a small one, and the command line never hands pyarrow a pandas object.

``defer_pandas`` installs an import hook that refuses those *implicit* imports (made from
C code, not by an ``import`` statement): pyarrow takes the refusal as "no pandas" and carries on.
An explicit ``import pandas`` anywhere (a plugin rule, ``Report.to_pandas``) goes through as
usual; the hook then retires and points pyarrow's Python shim at the real pandas, so
``Table.from_pandas``, ``to_pandas`` and ``pa.array(series)`` work as ever.  One thing does not
come back: pyarrow's C++ side looks for pandas only once per process, so there it does not know
pandas' own NA/NaT objects inside *object* arrays (``pa.array(obj_array, from_pandas=True)``).
Only the command line and its process-engine workers defer; the Python API, the Dask engine
and GX expectations (which all hand pyarrow pandas objects) never do.
"""

from __future__ import annotations

import dis
import sys

_IMPORT_NAME = dis.opmap["IMPORT_NAME"]


def defer_pandas() -> None:
    """Refuse pyarrow's implicit pandas import until some code imports pandas itself.

    A no-op when pandas is already imported (a notebook) or the hook is already in place."""
    if "pandas" in sys.modules or any(isinstance(f, _DeferPandas) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _DeferPandas())


def _explicit_import(frame) -> bool:
    """Whether the import being found comes from Python code that asked for it (an ``import``
    statement, ``importlib.import_module``) rather than from C code such as pyarrow's."""
    while frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
        frame = frame.f_back
    if frame is None:
        return True
    code = frame.f_code
    if code.co_name == "import_module" and code.co_filename.endswith("__init__.py") \
            and "importlib" in code.co_filename:
        return True
    lasti = frame.f_lasti
    return 0 <= lasti < len(code.co_code) and code.co_code[lasti] == _IMPORT_NAME


class _DeferPandas:
    """A meta-path finder: refuses ``pandas`` to C callers; lets a Python import through and retires."""

    def find_spec(self, name, path=None, target=None):
        if name != "pandas":
            return None
        if not _explicit_import(sys._getframe(1)):
            raise ImportError("pandas is not imported for pyarrow by trainlint's command line")
        self._retire()
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenTellPyarrow(spec.loader)
        return spec

    def _retire(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)


class _ThenTellPyarrow:
    """pandas' own loader, then pyarrow's shim pointed at the module (its "no pandas" answer,
    given while the hook refused, would otherwise stand for its array-like checks)."""

    def __init__(self, loader) -> None:
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        shim = _shim()
        if shim is not None and not shim.have_pandas:
            shim.pd  # noqa: B018 - its raise_ path imports pandas (now in sys.modules) into the shim

    def __getattr__(self, name):  # get_resource_reader, is_package, ... as pandas' loader has them
        return getattr(self._loader, name)


def _shim():
    pa = sys.modules.get("pyarrow")
    lib = getattr(pa, "lib", None) if pa is not None else None
    return getattr(lib, "_pandas_api", None)
