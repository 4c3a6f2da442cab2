"""Models of the clusters app, one module per concern."""

from .organisations import (
    SME,
    ClusterLabel,
    ClusterOrganisation,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationRole,
    OrganisationStatus,
    SizeClass,
    TurnoverBand,
)
from .taxonomies import (
    CollaborationType,
    EmergingIndustry,
    IndustrialEcosystem,
    Region,
    Sector,
    Technology,
    ThematicArea,
    Topic,
)

__all__ = [
    "SME",
    "ClusterLabel",
    "ClusterOrganisation",
    "CollaborationType",
    "EmergingIndustry",
    "IndustrialEcosystem",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "OrganisationRole",
    "OrganisationStatus",
    "Region",
    "Sector",
    "SizeClass",
    "Technology",
    "ThematicArea",
    "Topic",
    "TurnoverBand",
]
from .searches import SavedSearch, SavedSearchDigest

__all__ += ["SavedSearch", "SavedSearchDigest"]
