"""Loading quickly: numpy (and scipy.special) the way perfgate's commands want it (BLAS on one
thread, numpy's submodules that perfgate never uses left unloaded), and Python's cyclic
garbage collector paused while result files build many small objects.

Reading result files builds tens of thousands of objects that hold no reference cycles
(reference counting frees them), yet every allocation moves the collector toward a walk over
all live containers; paused while files are read, those walks cost nothing (measured in
docs/performance.md: "The garbage collector rests while files are read")."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def import_numpy_single_threaded(*, with_scipy: bool) -> None:
    """Import numpy (and scipy.special, which loads a BLAS of its own) with BLAS on one
    thread, unless the user chose otherwise.

    perfgate's matrices are small; a BLAS thread pool spinning up on every core only burns
    CPU (half the CPU time of a small compare). The variables are read once, when numpy
    loads, and are removed again so that the benchmarks perfgate starts keep the user's BLAS
    settings.
    """
    added = [name for name in BLAS_THREAD_VARIABLES if name not in os.environ]
    os.environ.update(dict.fromkeys(added, "1"))
    try:
        import numpy  # noqa: F401, PLC0415

        if with_scipy:
            _defer_unused_numpy_modules()
            import scipy.special  # noqa: F401, PLC0415
    finally:
        for name in added:
            os.environ.pop(name, None)


# numpy submodules perfgate never uses, which scipy's import loads anyway: its array-API
# layer copies numpy's namespace name by name, and numpy loads a submodule when its name is
# read. Together they are two thirds of the CPU time of importing scipy.special. (numpy.ma is
# not among them: np.median reads it, and the statistics call np.median.)
UNUSED_NUMPY_MODULES = (
    "f2py",
    "testing",
    "polynomial",
    "ctypeslib",
    "char",
    "rec",
    "strings",
)


def _defer_unused_numpy_modules() -> None:
    """Give numpy's unused submodules to the standard library's ``LazyLoader``: each is
    registered, and runs on the first read of one of its attributes, as a plain import would.

    Only modules nothing has imported yet, and only in the CLI's own process: benchmarks run
    in processes of their own. numpy.random and numpy.ma stay eager: the statistics use them,
    and Python 3.11's LazyLoader is not safe against two threads loading one module.
    """
    import importlib.util  # noqa: PLC0415

    import numpy  # noqa: PLC0415

    for name in UNUSED_NUMPY_MODULES:
        full = f"numpy.{name}"
        if full in sys.modules or name in vars(numpy):  # loaded, or a plain attribute there
            continue
        try:
            spec = importlib.util.find_spec(full)
        except (ImportError, ValueError):
            continue
        if spec is None or spec.loader is None:
            continue
        try:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        except TypeError:  # a loader LazyLoader cannot wrap: leave the module eager
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        spec.loader.exec_module(module)
        # what a finished import does; numpy's __getattr__ would otherwise import it again
        setattr(numpy, name, module)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside the block, and as it was after (nested blocks are fine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
