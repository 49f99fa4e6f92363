"""``--output-format junit``: JUnit XML, one testcase per rule.

A rule with findings at or above ``--fail-on`` fails, and its ``<failure>`` lists them (capped,
with the true count in the message); findings below ``--fail-on`` go to ``<system-out>`` of a
passing testcase, so the XML agrees with the exit code.  The layout is the one Jenkins, GitLab,
Azure Pipelines and the common JUnit actions read: ``testsuites > testsuite > testcase``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ._common import by_code, rule_info, strip_control
from .text import describe

MAX_LISTED = 1000


def render(report, *, max_listed: int = MAX_LISTED, root: str | None = None, **_opts) -> str:
    info = rule_info(report)
    found = by_code(report.findings)
    rank = report.fail_on.rank
    cases = []
    failures = 0
    for code, meta in info.items():
        fs = found.get(code, [])
        failing = [f for f in fs if f.severity.rank >= rank]
        case = ET.Element("testcase", {"classname": "trainlint", "name": f"{code} {meta['name']}",
                                       "time": "0"})
        listed = "\n".join(strip_control(describe(f, root)) for f in fs[:max_listed])
        if len(fs) > max_listed:
            listed += f"\n... {len(fs) - max_listed} more findings (see the JSON report)"
        if failing:
            failures += 1
            fail = ET.SubElement(case, "failure", {
                "message": f"{len(fs)} finding{'s' if len(fs) != 1 else ''}", "type": meta["severity"]})
            fail.text = listed
        elif fs:
            out = ET.SubElement(case, "system-out")
            out.text = listed
        cases.append(case)
    suites = ET.Element("testsuites", {"name": "trainlint", "tests": str(len(cases)),
                                       "failures": str(failures), "errors": "0"})
    suite = ET.SubElement(suites, "testsuite", {
        "name": "trainlint", "tests": str(len(cases)), "failures": str(failures), "errors": "0",
        "skipped": "0", "time": "0"})
    props = ET.SubElement(suite, "properties")
    for src in report.sources:
        ET.SubElement(props, "property", {"name": "source", "value": strip_control(
            f"{src['path']} ({src['format']}, {src['rows']} rows)")})
    ET.SubElement(props, "property", {"name": "fail_on", "value": report.fail_on.value})
    suite.extend(cases)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
