"""A fictional, deterministic demo data set: organisations, memberships and a login per role.

``build_demo_data`` draws everything from ``random.Random(seed)`` and the reference data in
the database (taxonomies and regions, loaded by a migration), so a seed always gives the same
data set. ``load_demo_data`` then upserts it by natural key (users by e-mail, organisations by
slug, memberships by pair, roles by user and organisation) inside one transaction: running
it twice changes nothing, and running it after rows were deleted restores them.

Demo profiles are owned by this module: a re-run resets their fields and taxonomy terms to
the generated values. Memberships and roles are only added or corrected, never removed, and
nothing outside the generated data set is touched.

Every name is made up from the word lists below; ``.example`` / ``.example.org`` addresses
are reserved for documentation (RFC 2606), so no e-mail can reach anyone.
"""

from .generate import Reference, build_demo_data
from .store import LoadResult, load_demo_data, summary
from .vocabulary import DEFAULT_ORGS, DEFAULT_SEED, DEMO_PASSWORD, DEMO_USERS, MIN_ORGS

__all__ = [
    "DEFAULT_ORGS",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "MIN_ORGS",
    "LoadResult",
    "Reference",
    "build_demo_data",
    "load_demo_data",
    "summary",
]
