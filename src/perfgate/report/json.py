"""The JSON report (``--format json``): the versioned contract the Action and scripts consume
(its keys: :mod:`perfgate.report.document`)."""

from __future__ import annotations

import json

from perfgate.report.document import report_to_dict
from perfgate.report.model import Report


def render_json(report: Report, *, width: int | None = None) -> str:  # noqa: ARG001
    # allow_nan=False: the contract is strict JSON; summaries never hold NaN.
    return json.dumps(report_to_dict(report), indent=2, allow_nan=False) + "\n"
