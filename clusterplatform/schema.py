"""OpenAPI post-processing: keep the published schema independent of the database engine."""

from __future__ import annotations

from typing import Any

# Integer bounds Django derives from the database engine's column types (SQLite reports 64-bit
# limits, PostgreSQL 16/32-bit ones); they say nothing about the API, so the schema omits them.
BACKEND_LIMITS = {
    32767,
    2147483647,
    9223372036854775807,
    -32768,
    -2147483648,
    -9223372036854775808,
}


def _strip(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for key in ("maximum", "minimum"):
                if node.get(key) in BACKEND_LIMITS:
                    del node[key]
                    if node.get("format") == "int64":
                        del node["format"]
        for value in node.values():
            _strip(value)
    elif isinstance(node, list):
        for value in node:
            _strip(value)


def drop_backend_integer_bounds(result: dict, generator, request, public) -> dict:
    _strip(result.get("components", {}))
    return result
