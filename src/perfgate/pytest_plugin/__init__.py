"""perfgate's pytest plugin (:mod:`perfgate_plugin`, with a module per measurement beside
it), kept importable on its own.

`perfgate run` puts this folder on the benchmark process's ``PYTHONPATH`` and loads the plugin
with ``-p perfgate_plugin``, so a side's environment needs no perfgate installed. Where
perfgate is installed, the plugin is also registered through the ``pytest11`` entry point,
under the same name (so ``-p perfgate_plugin`` there finds it loaded).
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
MODULE = "perfgate_plugin"
PROFILE_MODULE = MODULE  # the same plugin profiles (--perfgate-profile)
TIMERS_MODULE = "perfgate_timers"  # --benchmark-timer=perfgate_timers.NAME
CALIBRATION_MODULE = "perfgate_calibration"  # its interleaved timers: perfgate_calibration.NAME
REACH_MODULE = "perfgate_reach"  # -p perfgate_reach --perfgate-reach=OUT.json: the reach map
