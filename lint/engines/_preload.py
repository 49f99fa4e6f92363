"""Imported first by the process engine's fork server: pyarrow's implicit pandas import deferred
(``trainlint._arrow``) in every worker, as in the command line's own process."""

from .._arrow import defer_pandas

defer_pandas()
