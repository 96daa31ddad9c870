"""One logging handler for the suites' log-capturing helpers.

The capture helpers attach the same handler to the root logger and to the ``mlflow`` and
``mlflow_c`` loggers (MLflow's logger does not propagate), so a record can reach it more than
once. It is kept once, in arrival order. Records are held by the handler, never only their
``id()``: a freed record's id can be reused by the next record, which would then be dropped as
already seen.
"""
from __future__ import annotations

import logging
from typing import Any, Callable


class OnceHandler(logging.Handler):
    """Appends ``convert(record)`` to ``sink`` for each record, once."""

    def __init__(self, sink: list, convert: Callable[[logging.LogRecord], Any]) -> None:
        super().__init__(logging.DEBUG)
        self.sink, self.convert = sink, convert
        self._seen: dict[int, logging.LogRecord] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if self._seen.get(id(record)) is record:
            return
        self._seen[id(record)] = record
        self.sink.append(self.convert(record))
