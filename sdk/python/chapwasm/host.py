"""What the host gives a model: its job's log and progress reports. Outside a component
(a model's own unit tests, run with plain CPython) they go to stderr."""

import sys

from . import bindings

_LEVELS = ("trace", "debug", "info", "warn", "error")


def log(message: str, level: str = "info") -> None:
    """A line in the job's log; `level` is trace, debug, info, warn or error."""
    if level not in _LEVELS:
        raise ValueError(f"log level must be one of {', '.join(_LEVELS)}, not {level!r}")
    if bindings.host is None:
        print(f"[{level}] {message}", file=sys.stderr)
        return
    bindings.host.log(bindings.types.LogLevel[level.upper()], str(message))


def progress(fraction: float, message: str = "") -> None:
    """How far the call is, from 0 to 1, streamed to clients following the job."""
    if bindings.host is None:
        print(f"[progress {fraction:.0%}] {message}", file=sys.stderr)
        return
    bindings.host.progress(float(fraction), str(message))
