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
from .partnerships import (
    FIGURES,
    Call,
    ImpactReport,
    Partnership,
    PartnershipMember,
    PartnershipPhase,
    PartnershipStatus,
    PartnershipType,
    Programme,
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
    "FIGURES",
    "SME",
    "Call",
    "ClusterLabel",
    "ClusterOrganisation",
    "CollaborationType",
    "EmergingIndustry",
    "ImpactReport",
    "IndustrialEcosystem",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "OrganisationRole",
    "OrganisationStatus",
    "Partnership",
    "PartnershipMember",
    "PartnershipPhase",
    "PartnershipStatus",
    "PartnershipType",
    "Programme",
    "Region",
    "Sector",
    "SizeClass",
    "Technology",
    "ThematicArea",
    "Topic",
    "TurnoverBand",
]
from .jobs import ExportJob, ImportJob, JobStatus
from .searches import SavedSearch, SavedSearchDigest

__all__ += ["ExportJob", "ImportJob", "JobStatus", "SavedSearch", "SavedSearchDigest"]
