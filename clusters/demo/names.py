"""Made-up names for demo organisations, towns and people (checked against real places)."""

from __future__ import annotations

import random
import unicodedata

from django.utils.text import slugify

from .vocabulary import (
    DEFAULT_TOWN_ENDINGS,
    ENDINGS,
    GEO_PREFIXES,
    LEGAL_FORMS,
    REAL_PLACES,
    STEMS,
    TOWN_ENDINGS,
    Kind,
    Theme,
)

SME_WORDS = ("Labs", "Systems", "Solutions", "Works")


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class NameMaker:
    """Unique organisation names (and slugs) from the word lists."""

    def __init__(self, rng: random.Random, reserved: set[str]):
        self.rng = rng
        self.names: set[str] = set()
        self.slugs: set[str] = set(reserved)

    def _coin(self, endings: tuple[str, ...]) -> str:
        while True:
            word = self.rng.choice(STEMS) + self.rng.choice(endings)
            if ascii_fold(word) not in REAL_PLACES:
                return word

    def brand(self) -> str:
        return self._coin(ENDINGS)

    def town(self, country: str) -> str:
        return self._coin(TOWN_ENDINGS.get(country, DEFAULT_TOWN_ENDINGS))

    def geo(self, country: str) -> str:
        return self.rng.choice(GEO_PREFIXES.get(country) or (self.brand(),))

    def _candidate(self, kind: str, country: str, theme: Theme, town: str) -> str:
        rng = self.rng
        word = rng.choice(theme.words)
        form = rng.choice(LEGAL_FORMS.get(country, ("Ltd",)))
        if kind == Kind.CLUSTER:
            return rng.choice(
                (
                    f"{self.geo(country)} {word} Cluster",
                    f"{self.brand()} {word} Cluster",
                    f"{word} Cluster {town}",
                    f"{self.brand()} {word} Network",
                    f"{self.geo(country)} {word} Alliance",
                    f"{town} {word} Valley",
                )
            )
        if kind == Kind.SME:
            return rng.choice(
                (
                    f"{self.brand()} {word} {form}",
                    f"{self.brand()} {rng.choice(SME_WORDS)} {form}",
                    f"{town} {word} {form}",
                )
            )
        if kind == Kind.LARGE_COMPANY:
            return rng.choice((f"{self.brand()} {word} Group", f"{self.brand()} Industries {form}"))
        if kind == Kind.RTO:
            return rng.choice(
                (
                    f"{self.brand()} Institute for {title_case(theme.field)}",
                    f"{word} Research Centre {town}",
                    f"{town} Technology Institute",
                )
            )
        if kind == Kind.UNIVERSITY:
            return rng.choice(
                (
                    f"University of {town}",
                    f"{town} University of Technology",
                    f"{town} Institute of Technology",
                    f"{town} University of Applied Sciences",
                )
            )
        if kind == Kind.INCUBATOR:
            return rng.choice(
                (
                    f"{self.brand()} {word} Accelerator",
                    f"{town} Startup Hub",
                    f"{self.brand()} Innovation Hub",
                )
            )
        if kind == Kind.PUBLIC_AUTHORITY:
            return rng.choice(
                (
                    f"{town} Regional Development Agency",
                    f"{self.brand()} Regional Innovation Agency",
                    f"Economic Development Office {town}",
                )
            )
        if kind == Kind.INVESTOR:
            return rng.choice(
                (
                    f"{self.brand()} Ventures",
                    f"{self.brand()} {word} Capital",
                    f"{self.brand()} Seed Fund",
                )
            )
        return rng.choice(
            (
                f"{self.brand()} Foundation for {title_case(theme.field)}",
                f"{word} Association {town}",
                f"{town} Innovation Forum",
            )
        )

    def name(self, kind: str, country: str, theme: Theme, town: str) -> tuple[str, str]:
        while True:
            name = self._candidate(kind, country, theme, town)
            slug = slugify(name)[:200]
            if name not in self.names and slug and slug not in self.slugs:
                self.names.add(name)
                self.slugs.add(slug)
                return name, slug
            town = self.town(country)


def title_case(text: str) -> str:
    """Title case for names: "the maritime and blue economy" -> "Maritime and Blue Economy"."""
    words = text.removeprefix("the ").split()
    return " ".join(w if w in {"and", "the", "of"} else w[0].upper() + w[1:] for w in words)


def make_acronym(name: str) -> str:
    words = [w for w in name.replace("&", " ").split() if w[:1].isupper() and len(w) > 2]
    return "".join(w[0] for w in words)[:6] if len(words) >= 2 else ""
