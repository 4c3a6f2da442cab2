"""Helpers of the benchmark commands: their own peak memory, their list arguments."""

from __future__ import annotations

import resource

from django.core.management.base import CommandError


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


def int_list(value: str) -> list[int]:
    """A command-line list such as "300,1000,3000"."""
    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError as error:
        raise CommandError(f"not a comma-separated list of integers: {value!r}") from error
