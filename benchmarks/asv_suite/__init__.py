"""asv's suite of perfgate's core operations (asv.conf.json points here).

The bodies live in ``benchmarks/workloads.py``, shared with the pytest-benchmark suite that
``nox -s perf`` runs. asv imports this package from the working tree's ``benchmarks/``, so the
repository root is put on ``sys.path`` for ``benchmarks.workloads``.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
