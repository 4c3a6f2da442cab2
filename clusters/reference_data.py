"""Load the reference taxonomies shipped in clusters/data/ (used by a data migration).

Written against the ``apps`` registry a migration passes in, so it stays valid as models
evolve; idempotent, so it can be re-run to pick up a corrected CSV.
"""

from __future__ import annotations

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

TAXONOMY_FILES = {
    "Sector": "sectors.csv",
    "IndustrialEcosystem": "industrial_ecosystems.csv",
    "EmergingIndustry": "emerging_industries.csv",
    "Technology": "technologies.csv",
    "ThematicArea": "thematic_areas.csv",
}

COLLABORATION_TYPES = [
    ("rd-projects", "Joint R&D and innovation projects"),
    ("internationalisation", "Internationalisation and market access"),
    ("value-chains", "Cross-sectoral value chains"),
    ("technology-transfer", "Technology transfer and licensing"),
    ("training-skills", "Training and skills"),
    ("joint-ventures", "Joint ventures and commercial agreements"),
    ("cluster-partnership", "Cluster-to-cluster partnership"),
    ("investment", "Investment and financing"),
]


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_taxonomies(apps) -> None:
    for model_name, filename in TAXONOMY_FILES.items():
        model = apps.get_model("clusters", model_name)
        for row in read_csv(filename):
            code = row.pop("code")
            model.objects.update_or_create(code=code, defaults=row)
    collaboration_type = apps.get_model("clusters", "CollaborationType")
    for code, name in COLLABORATION_TYPES:
        collaboration_type.objects.update_or_create(code=code, defaults={"name": name})


def load_regions(apps) -> None:
    """NUTS codes grow one character a level, so a region's parent is its code minus one."""
    region = apps.get_model("clusters", "Region")
    rows = sorted(read_csv("regions.csv"), key=lambda r: int(r["level"]))
    by_code = {r.code: r for r in region.objects.all()}
    for row in rows:
        level = int(row["level"])
        parent = by_code.get(row["code"][:-1]) if level > 0 else None
        defaults = {
            "name": row["name"],
            "level": level,
            "country": row["country"],
            "parent": parent,
        }
        obj = by_code.get(row["code"])
        if obj is None:
            obj = region.objects.create(code=row["code"], **defaults)
            by_code[obj.code] = obj
        else:
            for key, value in defaults.items():
                setattr(obj, key, value)
            obj.save()


def load_all(apps, schema_editor=None) -> None:
    load_taxonomies(apps)
    load_regions(apps)
