"""What a benchmark figure was measured on: it means nothing without the machine, the date and the load.

Every result file carries this record. The load averages matter on a shared machine: a figure taken
while other jobs held the cores is slower than the code is, and the reader must be able to tell.
"""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path
from typing import Any


def describe() -> dict[str, Any]:
    """Cores (``nproc``: the ones this process may use; ``cpu_count``: the machine's), CPU model, memory."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def load_average() -> float:
    """The 1-minute load average, taken around each timed run."""
    return round(os.getloadavg()[0], 2)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None
