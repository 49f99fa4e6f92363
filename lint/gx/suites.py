"""Loading GX 1.x ExpectationSuites: from JSON files, dicts or suite objects, checked by GX itself."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterable

from ..errors import UsageError
from ._gx import require_gx


@dataclass(frozen=True)
class Suite:
    """A suite as plain data: picklable, so worker processes can rebuild the expectations."""

    name: str
    origin: str
    expectations: tuple[dict, ...]


def load_suites(items: Iterable[Any]) -> list[Suite]:
    """Every suite given: a path to a suite JSON, a dict in that form, or a GX ExpectationSuite."""
    return [_load_one(item) for item in items]


def _load_one(item: Any) -> Suite:
    gx = require_gx()
    if isinstance(item, Suite):
        return item
    if isinstance(item, (str, os.PathLike)):
        path = os.fspath(item)
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            raise UsageError(f"{path}: expectation suite not found") from None
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"{path}: cannot read the expectation suite ({e})") from None
        except json.JSONDecodeError as e:
            raise UsageError(f"{path}:{e.lineno}: the expectation suite is not valid JSON ({e.msg})") from None
        return _from_dict(gx, data, path)
    if isinstance(item, dict):
        return _from_dict(gx, item, "<dict>")
    if isinstance(item, gx.ExpectationSuite):
        return _from_dict(gx, item.to_json_dict(), f"<suite {item.name}>")
    raise UsageError(f"expectations must be a suite JSON path, a dict or a great_expectations "
                     f"ExpectationSuite, got {type(item).__name__}")


def _from_dict(gx: Any, data: Any, origin: str) -> Suite:
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        raise UsageError(f"{origin}: not a GX 1.x ExpectationSuite (an object with 'name' and an "
                         f"'expectations' list)")
    for i, e in enumerate(data["expectations"]):
        if not isinstance(e, dict) or "type" not in e:
            hint = " (GX 0.x used 'expectation_type'; save the suite with GX 1.x)" if (
                isinstance(e, dict) and "expectation_type" in e) else ""
            raise UsageError(f"{origin}: expectation {i + 1} has no 'type'{hint}")
    from ._gx import build_expectation

    for i, e in enumerate(data["expectations"]):  # GX's suite drops a bad expectation with a log line only
        try:
            build_expectation(e)
        except Exception as ex:
            msg = " ".join(str(ex).split())
            raise UsageError(f"{origin}: GX rejected expectation {i + 1} ({e['type']}): {msg[:300]}") from None
    fields = {k: data[k] for k in ("name", "expectations", "meta", "notes", "id") if k in data}
    fields.setdefault("name", os.path.splitext(os.path.basename(origin))[0] or "suite")
    try:
        suite = gx.ExpectationSuite(**fields)
    except Exception as e:  # GX raises pydantic and its own errors; one line is what a user needs
        msg = " ".join(str(e).split())
        raise UsageError(f"{origin}: GX rejected the suite: {msg[:300]}") from None
    # GX's JSON form has the defaults filled in (severity) and the parameters checked.
    checked = suite.to_json_dict()["expectations"]
    if len(checked) != len(data["expectations"]):
        raise UsageError(f"{origin}: GX rejected the suite: it kept {len(checked)} of "
                         f"{len(data['expectations'])} expectations")
    for raw, done in zip(data["expectations"], checked):
        if "meta" in raw and isinstance(raw["meta"], dict):
            done["meta"] = raw["meta"]
    return Suite(name=str(fields["name"]), origin=origin, expectations=tuple(checked))
