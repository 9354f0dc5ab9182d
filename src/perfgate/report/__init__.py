"""Renderers: each takes a Report and returns text; none of them decides anything."""

from __future__ import annotations

from perfgate.verdicts import Report

RENDER_FORMATS = ("table", "markdown", "json", "junit")


def render(report: Report, fmt: str, width: int | None = None) -> str:
    if fmt == "json":
        from perfgate.report.json import render_json  # noqa: PLC0415

        return render_json(report)
    if fmt == "junit":
        from perfgate.report.junit import render_junit  # noqa: PLC0415

        return render_junit(report)
    if fmt == "markdown":
        from perfgate.report.markdown import render_markdown  # noqa: PLC0415

        return render_markdown(report)
    from perfgate.report.table import render_table  # noqa: PLC0415

    return render_table(report, width=width)
