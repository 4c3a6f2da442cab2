"""What the benchmark commands measure about their own process."""

from __future__ import annotations

import resource


def peak_rss_mib() -> float:
    """Peak RSS of this process in MiB. VmHWM where Linux has it: ``ru_maxrss`` survives
    exec, so a child started by manage.py would report the parent's Django-sized peak as
    its own."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux
