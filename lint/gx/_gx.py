"""Everything that touches Great Expectations itself: import, one context per process, validation.

GX is imported here and only here, on first use: ``import great_expectations`` costs about two
seconds, so the normal path (no suite given) never pays it.
"""

from __future__ import annotations

import logging
import os
from typing import Any
from collections.abc import Mapping, Sequence

from ..errors import UsageError

INSTALL_HINT = "pip install 'trainlint[gx]'"

_STATE: dict[str, Any] = {}


def require_gx() -> Any:
    """The ``great_expectations`` module, or a one-line UsageError naming the extra to install."""
    gx = _STATE.get("gx")
    if gx is not None:
        return gx
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    try:
        import great_expectations as gx
    except ImportError:
        raise UsageError(f"--expectations needs Great Expectations 1.x: {INSTALL_HINT}") from None
    version = getattr(gx, "__version__", "0")
    if not version.split(".")[0].isdigit() or int(version.split(".")[0]) < 1:
        raise UsageError(f"Great Expectations {version} is installed; the bridge needs 1.x: {INSTALL_HINT}")
    # GX logs a traceback for every invalid expectation and draws progress bars on stderr.
    logging.getLogger("great_expectations").setLevel(logging.CRITICAL)
    _STATE["gx"] = gx
    return gx


def _batch_definition() -> Any:
    """One ephemeral context and whole-DataFrame batch definition per process (creating them is slow)."""
    bd = _STATE.get("batch_definition")
    if bd is None:
        gx = require_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        source = context.data_sources.add_pandas("trainlint")
        asset = source.add_dataframe_asset("batch")
        bd = asset.add_batch_definition_whole_dataframe("whole")
        _STATE["batch_definition"] = bd
    return bd


def build_expectation(config: Mapping[str, Any]) -> Any:
    """A GX Expectation object from its JSON form (``type``, ``kwargs``, ``meta``)."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    require_gx()
    return ExpectationConfiguration(type=config["type"], kwargs=dict(config.get("kwargs") or {}),
                                    meta=dict(config.get("meta") or {})).to_domain_obj()


def validate(df: Any, expectations: Sequence[Any]) -> list[Any]:
    """GX's own validation of ``expectations`` on ``df`` with result_format COMPLETE, in order."""
    gx = require_gx()
    if not expectations:
        return []
    suite = gx.ExpectationSuite(name="trainlint-batch", expectations=list(expectations))
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": df})
    results = list(batch.validate(suite, result_format="COMPLETE").results)
    # GX may return results in another order than the suite's: match them back by configuration.
    pool: dict[str, list[Any]] = {}
    for r in results:
        pool.setdefault(_key(r.expectation_config), []).append(r)
    return [pool[_key(e.configuration)].pop(0) for e in expectations]


def _key(config: Any) -> str:
    import json

    d = config.to_json_dict()
    kwargs = {k: v for k, v in (d.get("kwargs") or {}).items() if k != "batch_id"}
    return json.dumps([d.get("type"), kwargs], sort_keys=True, default=str)


def expectation_kind_classes() -> tuple[type, ...]:
    """GX base classes whose expectations are decided row by row."""
    require_gx()
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )

    return (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)
