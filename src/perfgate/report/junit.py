"""The JUnit XML report (``--format junit``), for CI systems that show test results natively
(GitLab's test reports, Jenkins' junit step, Azure Pipelines, CircleCI ...).

One ``<testsuite>`` holds one ``<testcase>`` per benchmark. A benchmark that fails the gate
(per ``fail-on``) has a ``<failure>``; one the harness reported as failed has an ``<error>``;
one that is only in base is ``<skipped>``. Every testcase's ``<system-out>`` carries its row
of the report in words, then ``WARNING:`` lines (budget warnings and slowdowns that do not
fail the gate) and ``NOTE:`` lines (the report's footnotes). The suite's ``<properties>``
carry the verdict and the counts.
The layout follows the schema those tools accept (``tests/golden/junit.xsd`` describes it and
the tests validate every report against it).

Text is made safe for XML 1.0: characters it cannot hold (control characters, lone
surrogates) become U+FFFD, and ElementTree escapes markup.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from perfgate.report import cells
from perfgate.report.model import Report, Row

# what XML 1.0 cannot hold, even escaped
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(report: Report, *, width: int | None = None) -> str:  # noqa: ARG001
    command = report.kind
    suites = ET.Element("testsuites", name="perfgate")
    suite = ET.SubElement(suites, "testsuite", name=f"perfgate {command}")
    properties = ET.SubElement(suite, "properties")
    for name, value in _properties(report):
        ET.SubElement(properties, "property", name=name, value=xml_text(value))
    failures = errors = skipped = 0
    columns = cells.columns(report)
    for row in report.rows:
        case = _case(suite, row.name, command)
        lines = [_describe(row, report, columns)]
        if row.gate.fails:
            failures += 1
            ET.SubElement(
                case,
                "failure",
                message=xml_text("; ".join(row.gate.reasons)),
                type=f"perfgate.{command}",
            ).text = xml_text(lines[0])
        else:
            lines += [f"WARNING: {reason}" for reason in row.gate.reasons]
        lines += [f"NOTE: {n}" for n in cells.notes(row)]
        ET.SubElement(case, "system-out").text = xml_text("\n".join(lines))
    for name in report.failed:
        errors += 1
        case = _case(suite, name, command)
        ET.SubElement(
            case, "error", message="the harness reported this benchmark as failed", type="harness"
        )
    for name in report.removed:
        skipped += 1
        case = _case(suite, name, command)
        ET.SubElement(case, "skipped", message="only in base: not run on head")
    notes = list(cells.general_notes(report))
    if notes:
        ET.SubElement(suite, "system-out").text = xml_text("\n".join(notes))
    tests = len(report.rows) + len(report.failed) + len(report.removed)
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _case(suite: ET.Element, name: str, command: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=f"perfgate.{command}", name=xml_text(name))


def _properties(report: Report) -> list[tuple[str, str]]:
    props = [
        ("verdict", report.verdict),
        ("fail-on", report.fail_on),
        ("summary", cells.summary_line(report)),
    ]
    if report.rounds_used is not None:
        props.append(("rounds", str(report.rounds_used)))
    if report.config:
        props.append(("config", report.config))
    props += [("source", source) for source in report.sources]
    props += [("unused-budget", pattern) for pattern in report.unused_budgets]
    props += [("added", name) for name in report.added]
    props += [("not-affected", name) for name in report.not_affected]
    return props


def _describe(row: Row, report: Report, columns: Sequence[cells.Column]) -> str:
    """The row in words: what the table shows, with its column names."""
    texts = cells.cells(row, report, columns)
    return "; ".join(
        f"{c.header}: {t}" for c, t in zip(columns, texts, strict=True) if c.role != "name"
    )
