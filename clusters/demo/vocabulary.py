"""Word lists, shares and the demo accounts the generator draws from (all fictional)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clusterplatform.accounts.roles import EVENT_ORGANISER, PROGRAMME_OFFICER, STAFF

from ..models import (
    OrganisationKind,
    OrganisationRole,
)

DEMO_PASSWORD = "demo-password-2026"
DEFAULT_SEED = 42
DEFAULT_ORGS = 320
MIN_ORGS = 20

# Past dates (founding, publication, verification, joining) count back from a fixed day so
# that a seed gives the same data whenever it runs; label validity counts from today so that
# most labels stay valid in a demo.
EPOCH = date(2026, 1, 1)

Kind = OrganisationKind
Role = OrganisationRole.Role


# --------------------------------------------------------------------------------------
# Demo accounts
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    last_name: str
    role: str  # what the login demonstrates, for the table the command prints
    is_staff: bool = False
    is_superuser: bool = False
    groups: tuple[str, ...] = ()


ADMIN = DemoUser("admin@demo.example", "Ada", "Admin", "Superuser (Django admin)", True, True)
STAFF_USER = DemoUser("staff@demo.example", "Stefan", "Staff", "Platform staff", groups=(STAFF,))
OFFICER = DemoUser(
    "officer@demo.example", "Olga", "Officer", "Programme officer", groups=(PROGRAMME_OFFICER,)
)
ORGANISER = DemoUser(
    "organiser@demo.example", "Oscar", "Organiser", "Event organiser", groups=(EVENT_ORGANISER,)
)
MANAGER = DemoUser("manager@demo.example", "Maja", "Manager", "Manager of a cluster and an SME")
SME_MANAGER = DemoUser("sme@demo.example", "Sami", "Smith", "Manager of an SME")
MEMBER = DemoUser("member@demo.example", "Mila", "Member", "Member of a cluster")
DEMO_USERS = (ADMIN, STAFF_USER, OFFICER, ORGANISER, MANAGER, SME_MANAGER, MEMBER)


# --------------------------------------------------------------------------------------
# Word lists
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """A line of business: names, taxonomy codes and topics that belong together."""

    key: str
    field: str  # for sentences: "photonics and laser technology"
    words: tuple[str, ...]  # for names: "Photonics" in "Veltmark Photonics GmbH"
    sectors: tuple[str, ...]  # taxonomy codes, per Organisation many-to-many field
    ecosystems: tuple[str, ...]
    emerging: tuple[str, ...]
    technologies: tuple[str, ...]
    thematic: tuple[str, ...]
    topics: tuple[str, ...]  # topics it offers (and its neighbours look for)
    neighbours: tuple[str, ...]  # themes whose topics it looks for too


def _theme(key: str, field: str, *parts: str) -> Theme:
    """Each part is a "|"-separated list, in the order of Theme's fields after ``field``."""
    return Theme(key, field, *(tuple(x.strip() for x in p.split("|")) for p in parts))


# key, field; words; sectors; ecosystems; emerging industries; technologies; thematic
# areas; topics; neighbour themes.
THEMES = (
    _theme(
        "photonics", "photonics and laser technology",
        "Photonics|Optics|Laser",
        "lighting-and-electrical-equipment|information-technology-and-analytical-instruments"
        "|communications-equipment-and-services",
        "electronics|digital",
        "digital-industries",
        "photonics|micro-nanoelectronics|advanced-materials",
        "photonics|nano-enabled-products",
        "laser processing|optical sensing|photonic integrated circuits",
        "manufacturing|health|digital",
    ),
    _theme(
        "manufacturing", "robotics and smart manufacturing",
        "Robotics|Automation|Manufacturing",
        "production-technology-and-heavy-machinery|metalworking-technology"
        "|downstream-metal-products",
        "electronics|energy-intensive|digital",
        "digital-industries|mobility-technologies",
        "robotics|advanced-manufacturing|artificial-intelligence|internet-of-things",
        "sme-industry-4-0|efficient-sustainable-manufacturing|3d-printing|ai-hmi",
        "industrial robotics|predictive maintenance|additive manufacturing",
        "digital|photonics|mobility",
    ),
    _theme(
        "health", "medical technology and life sciences",
        "MedTech|Health|Life Sciences",
        "medical-devices|biopharmaceuticals|education-and-knowledge-creation",
        "health",
        "medical-devices|biopharmaceuticals",
        "industrial-biotechnology|nanotechnology|artificial-intelligence|big-data",
        "medical-technology|ai-hmi",
        "clinical trials|medical device certification|digital health|diagnostics",
        "digital|photonics|chemicals",
    ),
    _theme(
        "agrifood", "agri-food innovation",
        "Agrifood|Food|Agritech",
        "food-processing-and-manufacturing|agricultural-inputs-and-services"
        "|livestock-processing",
        "agri-food|retail",
        "environmental-industries|advanced-packaging",
        "internet-of-things|big-data|industrial-biotechnology",
        "high-tech-farming|traceability-big-data|smart-sensors-agrifood"
        "|consumer-involvement-agrifood",
        "precision farming|food safety testing|alternative proteins",
        "digital|chemicals|maritime",
    ),
    _theme(
        "batteries", "batteries and energy storage",
        "Battery|Energy Storage|Electromobility",
        "electric-power-generation-and-transmission|lighting-and-electrical-equipment"
        "|upstream-chemical-products",
        "energy-renewables|mobility-transport-automotive",
        "mobility-technologies|environmental-industries",
        "advanced-materials|advanced-manufacturing|nanotechnology",
        "smart-grids|adma-energy",
        "battery recycling|battery cell testing|energy storage systems",
        "mobility|renewables|chemicals",
    ),
    _theme(
        "renewables", "renewable energy and hydrogen",
        "Hydrogen|Renewables|Clean Energy|Solar",
        "electric-power-generation-and-transmission|environmental-services"
        "|oil-and-gas-production-and-transportation",
        "energy-renewables|energy-intensive",
        "environmental-industries",
        "advanced-materials|internet-of-things|big-data",
        "solar-energy|bioenergy|marine-renewable-energy|smart-grids",
        "green hydrogen|solar PV integration|smart grid integration",
        "batteries|maritime|construction",
    ),
    _theme(
        "mobility", "mobility and automotive",
        "Mobility|Automotive|Logistics",
        "automotive|transportation-and-logistics|trailers-motor-homes-and-appliances",
        "mobility-transport-automotive",
        "mobility-technologies|logistical-services",
        "mobility-technologies|connectivity|artificial-intelligence",
        "sme-industry-4-0",
        "autonomous driving|lightweight components|EV charging",
        "batteries|digital|manufacturing",
    ),
    _theme(
        "maritime", "the maritime and blue economy",
        "Maritime|Blue Economy|Ocean",
        "water-transportation|fishing-and-fishing-products|transportation-and-logistics",
        "mobility-transport-automotive|tourism",
        "blue-growth-industries|logistical-services",
        "internet-of-things|connectivity|robotics",
        "marine-renewable-energy",
        "port logistics|aquaculture|underwater robotics",
        "renewables|agrifood|digital",
    ),
    _theme(
        "aerospace", "aerospace and space applications",
        "Aerospace|Space|Drone",
        "aerospace-vehicles-and-defence|communications-equipment-and-services",
        "aerospace-defence|electronics",
        "mobility-technologies",
        "advanced-materials|micro-nanoelectronics|connectivity",
        "adma-energy|3d-printing",
        "satellite data services|composite materials|drone operations",
        "manufacturing|digital|photonics",
    ),
    _theme(
        "textile", "textiles and fashion",
        "Textile|Fashion",
        "textile-manufacturing|apparel|footwear|leather-and-related-products",
        "textile|retail",
        "creative-industries",
        "advanced-materials|nanotechnology",
        "textile-innovation|sports-innovation",
        "smart textiles|textile recycling|circular design",
        "creative|chemicals|health",
    ),
    _theme(
        "digital", "digital technologies and data",
        "Digital|AI|Cybersecurity|Data",
        "information-technology-and-analytical-instruments"
        "|communications-equipment-and-services|business-services",
        "digital",
        "digital-industries",
        "artificial-intelligence|big-data|cloud-technologies|blockchain|security-connectivity",
        "cyber-security|ai-hmi",
        "cybersecurity audits|machine learning|data spaces|digital twins",
        "manufacturing|health|mobility",
    ),
    _theme(
        "construction", "sustainable construction and wood",
        "Wood|Construction|Building",
        "construction-products-and-services|wood-products|forestry|furniture",
        "construction",
        "environmental-industries",
        "advanced-materials|internet-of-things",
        "sustainable-buildings|bioeconomy-non-food-biomass",
        "timber construction|energy-efficient renovation|building information modelling",
        "renewables|digital|chemicals",
    ),
    _theme(
        "creative", "creative industries and tourism",
        "Creative|Tourism|Media|Games",
        "hospitality-and-tourism|marketing-design-and-publishing"
        "|video-production-and-distribution|music-and-sound-recording",
        "cultural-creative|tourism",
        "creative-industries|experience-industries",
        "augmented-virtual-reality|big-data",
        "tourism-digitalisation-safety",
        "immersive experiences|game development|sustainable tourism",
        "digital|textile|agrifood",
    ),
    _theme(
        "chemicals", "chemicals, plastics and the circular economy",
        "Chemistry|Plastics|Circular Economy|Packaging",
        "upstream-chemical-products|downstream-chemical-products|plastics"
        "|paper-and-packaging|environmental-services",
        "energy-intensive",
        "advanced-packaging|environmental-industries",
        "industrial-biotechnology|advanced-materials",
        "chemicals|bioeconomy-non-food-biomass",
        "bioplastics|chemical recycling|sustainable packaging|water treatment",
        "batteries|textile|agrifood",
    ),
)  # fmt: skip
THEMES_BY_KEY = {t.key: t for t in THEMES}

# Services any line of business offers or needs: they make offers and needs meet across
# themes (a cluster offers market entry support, an SME looks for it).
GENERIC_TOPICS = {
    Kind.CLUSTER: ("market entry support", "partner search", "EU funding applications"),
    Kind.SME: ("pilot customers",),
    Kind.LARGE_COMPANY: ("pilot customers", "open innovation challenges"),
    Kind.RTO: ("contract research", "testing facilities", "technology licensing"),
    Kind.UNIVERSITY: ("contract research", "skills training", "technology licensing"),
    Kind.INCUBATOR: ("startup acceleration", "investment readiness"),
    Kind.PUBLIC_AUTHORITY: ("innovation vouchers", "public procurement of innovation"),
    Kind.INVESTOR: ("seed funding", "venture capital"),
    Kind.OTHER: ("skills training", "partner search"),
}
GENERIC_NEEDS = {
    Kind.CLUSTER: ("EU funding applications", "skills training", "innovation vouchers"),
    Kind.SME: (
        "market entry support",
        "seed funding",
        "testing facilities",
        "EU funding applications",
        "innovation vouchers",
        "contract research",
    ),
    Kind.LARGE_COMPANY: ("technology licensing", "contract research", "startup acceleration"),
    Kind.RTO: ("pilot customers", "EU funding applications"),
    Kind.UNIVERSITY: ("pilot customers", "EU funding applications", "partner search"),
    Kind.INCUBATOR: ("venture capital", "pilot customers"),
    Kind.PUBLIC_AUTHORITY: ("partner search", "open innovation challenges"),
    Kind.INVESTOR: ("investment readiness", "startup acceleration"),
    Kind.OTHER: ("partner search", "EU funding applications"),
}
TOPIC_VOCABULARY = tuple(
    dict.fromkeys(
        [t for theme in THEMES for t in theme.topics]
        + [t for topics in GENERIC_TOPICS.values() for t in topics]
        + [t for topics in GENERIC_NEEDS.values() for t in topics]
    )
)

# Made-up names: a stem and an ending make a brand ("Veltmark") or, with a country's own
# ending, a town ("Korhausen"). Chosen so that no combination is a well-known company.
STEMS = (
    "Vel", "Kor", "Lum", "Nor", "Sal", "Tav", "Ber", "Mar", "Ost", "Fal", "Gran", "Lind",
    "Sol", "Ard", "Cal", "Dun", "Esk", "Hal", "Isk", "Jor", "Kal", "Mir", "Nav", "Orl",
    "Pel", "Quin", "Ros", "Sten", "Tor", "Ulv", "Var", "Wen", "Zel", "Bra", "Cor", "Del",
    "Eld", "Fen", "Gal", "Hav",
)  # fmt: skip
ENDINGS = (
    "mark", "dal", "vik", "ria", "lis", "ona", "ver", "holm", "ford", "wick", "sund", "ara",
    "eno", "tora", "quist", "ment", "brook", "ane", "ium", "stad", "ello", "ova", "ix",
    "amo", "eth",
)  # fmt: skip
# Names that come out of STEMS + ENDINGS or a town ending but are real places of over 5,000
# inhabitants (GeoNames, accents folded): never used, so no "University of <real town>".
_REAL_PLACES = """
    ardmore ardon ardona ardya berane beresti bergem beria berija berovo berton berwick braia
    branik braya calella calera calino calium calon calovo calver corby corella corello coria
    corlis coron corona delano deleni delesti delford delica delice delino dunholm dunkirchen
    dunkula dunmore dunton falesti falkoping fenton galac galara galia granada granby granice
    granville halac halica halstadt halver havano havera jorvik kalby kalera kalia kalija
    kalix kallahti kalon koria korica korice kornik koron korona lindfield lindon marange
    marano marburg mareth maria marica marino maron marton mirano mirfield miria mirria mirya
    navia noria norton norwick orlov orlova orlow ostheim ostia ostona oststadt pelham pelton
    quinton rosberg rosdorf rosena rosera rosford rosice rosita roson rosona salford salon
    salona salou salsk salstadt solano solera solford solia solon solvik stendal stenford
    stenton tavares torello torhout toria torino torita varara varberg varburg varby varena
    vargem varton velburg velena velsk velver zelino zelov zelova zelow
"""
REAL_PLACES = frozenset(_REAL_PLACES.split())
# Geographic adjectives for cluster names ("Baltic Photonics Cluster"), by country.
GEO_PREFIXES = {
    "DE": ("Baltic", "Rhenish", "Danubian", "Alpine"),
    "AT": ("Alpine", "Danubian", "Pannonian"),
    "CH": ("Alpine", "Rhenish"),
    "LI": ("Alpine", "Rhenish"),
    "DK": ("Baltic", "Nordic"),
    "SE": ("Baltic", "Nordic", "Bothnian"),
    "NO": ("Nordic", "Boreal"),
    "IS": ("Nordic", "North Atlantic"),
    "FI": ("Baltic", "Bothnian", "Boreal"),
    "EE": ("Baltic",),
    "LV": ("Baltic",),
    "LT": ("Baltic",),
    "PL": ("Baltic", "Carpathian", "Tatra"),
    "CZ": ("Bohemian", "Moravian"),
    "SK": ("Carpathian", "Tatra", "Danubian"),
    "HU": ("Pannonian", "Danubian"),
    "SI": ("Alpine", "Adriatic"),
    "HR": ("Adriatic", "Pannonian"),
    "RS": ("Danubian", "Pannonian"),
    "RO": ("Carpathian", "Danubian", "Black Sea"),
    "BG": ("Danubian", "Black Sea"),
    "GR": ("Aegean", "Ionian"),
    "CY": ("Eastern Mediterranean",),
    "MT": ("Mediterranean",),
    "IT": ("Alpine", "Adriatic", "Ligurian", "Tyrrhenian"),
    "ES": ("Iberian", "Atlantic", "Mediterranean"),
    "PT": ("Iberian", "Atlantic"),
    "FR": ("Atlantic", "Alpine", "Rhenish", "Mediterranean"),
    "BE": ("North Sea", "Meuse"),
    "NL": ("North Sea", "Rhine Delta"),
    "LU": ("Moselle",),
    "IE": ("Atlantic", "Celtic"),
    "GB": ("North Sea", "Celtic"),
    "UA": ("Carpathian", "Black Sea"),
    "TR": ("Aegean", "Anatolian"),
    "IL": ("Eastern Mediterranean",),
}
TOWN_ENDINGS = {
    "DE": ("burg", "hausen", "stadt", "feld", "heim"),
    "AT": ("dorf", "berg", "kirchen"),
    "CH": ("wil", "ikon", "berg"),
    "LI": ("berg", "wil"),
    "DK": ("havn", "by", "rup", "sted"),
    "SE": ("köping", "sund", "berga", "vik"),
    "NO": ("vik", "dal", "sund"),
    "IS": ("fjörður", "vík"),
    "FI": ("lahti", "järvi", "koski", "salo"),
    "EE": ("küla", "mäe"),
    "LV": ("pils", "ciems"),
    "LT": ("iškės", "ėnai"),
    "PL": ("owo", "ice", "ów", "sk"),
    "CZ": ("ov", "ice", "any"),
    "SK": ("ovce", "any", "ov"),
    "HU": ("háza", "falva", "vár"),
    "SI": ("ovje", "nik"),
    "HR": ("ovac", "grad", "ica"),
    "RO": ("ești", "eni", "ița"),
    "BG": ("ovo", "evo", "grad"),
    "RS": ("ovac", "ica"),
    "GR": ("polis", "ada"),
    "CY": ("ia", "ou"),
    "MT": ("ija", "ara"),
    "IT": ("ano", "ino", "ella", "era"),
    "ES": ("ejo", "illa", "ares", "ena"),
    "PT": ("elo", "ães", "osa"),
    "FR": ("ville", "court", "mont", "ac"),
    "BE": ("gem", "ville", "hout"),
    "NL": ("dam", "hoven", "dijk", "drecht"),
    "LU": ("ange", "scheid"),
    "IE": ("more", "town", "ford"),
    "GB": ("bridge", "ham", "ton", "field"),
    "UA": ("ivka", "opil", "ivske"),
    "TR": ("köy", "ova", "kent"),
    "IL": ("on", "ya"),
}
DEFAULT_TOWN_ENDINGS = ("ton", "ville", "burg")
LEGAL_FORMS = {
    "DE": ("GmbH", "UG", "GmbH & Co. KG"),
    "AT": ("GmbH", "KG"),
    "CH": ("AG", "GmbH", "SA"),
    "LI": ("AG", "Anstalt"),
    "DK": ("ApS", "A/S"),
    "SE": ("AB",),
    "NO": ("AS",),
    "IS": ("ehf.",),
    "FI": ("Oy",),
    "EE": ("OÜ",),
    "LV": ("SIA",),
    "LT": ("UAB",),
    "PL": ("Sp. z o.o.",),
    "CZ": ("s.r.o.",),
    "SK": ("s.r.o.",),
    "HU": ("Kft.", "Zrt."),
    "SI": ("d.o.o.",),
    "HR": ("d.o.o.",),
    "RS": ("d.o.o.",),
    "RO": ("SRL",),
    "BG": ("EOOD", "OOD"),
    "GR": ("IKE", "SA"),
    "CY": ("Ltd",),
    "MT": ("Ltd",),
    "IT": ("S.r.l.", "S.p.A."),
    "ES": ("S.L.", "S.A."),
    "PT": ("Lda.", "S.A."),
    "FR": ("SAS", "SARL"),
    "BE": ("BV", "SRL", "NV"),
    "NL": ("B.V.",),
    "LU": ("S.à r.l.", "SA"),
    "IE": ("Ltd", "DAC"),
    "GB": ("Ltd",),
    "UA": ("LLC",),
    "TR": ("A.Ş.", "Ltd. Şti."),
    "IL": ("Ltd",),
}
# Approximate centre and spread (degrees) for coordinates inside each country.
COORDINATES = {
    "AT": (47.6, 14.1, 1.2), "BE": (50.6, 4.6, 0.5), "BG": (42.7, 25.3, 1.2),
    "HR": (45.2, 15.9, 0.8), "CY": (35.0, 33.2, 0.3), "CZ": (49.8, 15.5, 1.0),
    "DK": (55.9, 9.6, 0.8), "EE": (58.7, 25.5, 0.8), "FI": (62.5, 25.8, 2.0),
    "FR": (46.6, 2.4, 3.0), "DE": (51.1, 10.4, 2.5), "GR": (39.2, 22.3, 1.5),
    "HU": (47.1, 19.4, 1.0), "IE": (53.2, -7.9, 1.0), "IT": (42.8, 12.5, 2.5),
    "LV": (56.9, 24.9, 0.8), "LT": (55.3, 23.9, 0.8), "LU": (49.7, 6.1, 0.1),
    "MT": (35.9, 14.4, 0.05), "NL": (52.2, 5.5, 0.6), "PL": (52.1, 19.4, 2.0),
    "PT": (39.6, -8.2, 1.2), "RO": (45.9, 24.9, 1.8), "SK": (48.7, 19.6, 0.7),
    "SI": (46.1, 14.8, 0.4), "ES": (40.2, -3.6, 2.5), "SE": (59.9, 15.8, 2.0),
    "IS": (64.5, -20.5, 1.0), "LI": (47.15, 9.55, 0.03), "NO": (60.5, 9.0, 2.0),
    "CH": (46.8, 8.2, 0.6), "GB": (52.6, -1.5, 1.8), "UA": (49.0, 31.4, 3.0),
    "TR": (39.1, 35.2, 3.0), "RS": (44.0, 20.9, 1.0), "IL": (31.5, 34.9, 0.5),
}  # fmt: skip
DIAL_CODES = {
    "AT": "43", "BE": "32", "BG": "359", "HR": "385", "CY": "357", "CZ": "420", "DK": "45",
    "EE": "372", "FI": "358", "FR": "33", "DE": "49", "GR": "30", "HU": "36", "IE": "353",
    "IT": "39", "LV": "371", "LT": "370", "LU": "352", "MT": "356", "NL": "31", "PL": "48",
    "PT": "351", "RO": "40", "SK": "421", "SI": "386", "ES": "34", "SE": "46", "IS": "354",
    "LI": "423", "NO": "47", "CH": "41", "GB": "44", "UA": "380", "TR": "90", "RS": "381",
    "IL": "972",
}  # fmt: skip
# Larger economies get more organisations once every country has one.
COUNTRY_WEIGHTS = {
    "DE": 10, "FR": 8, "IT": 7, "ES": 6, "PL": 5, "NL": 4, "BE": 3, "SE": 3, "AT": 3,
    "PT": 3, "CZ": 3, "RO": 3, "DK": 2, "FI": 2, "HU": 2, "GR": 2, "IE": 2, "NO": 2,
    "CH": 2, "GB": 2,
}  # fmt: skip
# EU and EFTA countries come from countries.csv; these third countries join them.
THIRD_COUNTRIES = ("GB", "UA", "TR", "RS", "IL")
# Markets organisations look at beyond their own country.
TARGET_COUNTRIES = (
    "JP", "US", "CA", "KR", "IN", "BR", "SG", "CN", "AU", "GB", "NO", "CH", "DE", "FR", "IT",
    "ES", "NL", "PL", "SE", "FI", "IL", "UA", "MA",
)  # fmt: skip
FIRST_NAMES = (
    "Anna", "Lukas", "Sofia", "Matteo", "Elena", "Jonas", "Clara", "Mateusz", "Ines", "Pieter",
    "Freya", "Nikos", "Julia", "Tomas", "Marta", "Emil", "Laura", "Andrei", "Eva", "Hugo",
    "Katja", "Luca", "Zofia", "Oskar", "Nora", "Pablo", "Ilse", "Marek", "Chiara", "Aino",
)  # fmt: skip
LAST_NAMES = (
    "Keller", "Rossi", "Nowak", "Jansen", "Dubois", "Lindqvist", "Horvat", "Novak", "Silva",
    "Garcia", "Virtanen", "Papadaki", "Popescu", "Kovacs", "Berzina", "Murphy", "Moreau",
    "Hansen", "Ivanova", "Vogel", "Bianchi", "Peeters", "Kask", "Zammit", "Schmid", "Lopes",
    "Petrov", "Olsen", "Varga", "Costa",
)  # fmt: skip

KIND_SHARES = {Kind.CLUSTER: 0.25, Kind.SME: 0.45}
# How the remaining ~30% spread over the other kinds (each gets at least one).
OTHER_KIND_WEIGHTS = {
    Kind.LARGE_COMPANY: 3,
    Kind.RTO: 3,
    Kind.UNIVERSITY: 3,
    Kind.INCUBATOR: 2,
    Kind.PUBLIC_AUTHORITY: 2,
    Kind.INVESTOR: 2,
    Kind.OTHER: 1,
}
MEMBER_KINDS = (Kind.SME, Kind.RTO, Kind.UNIVERSITY)
FOUNDED = {
    Kind.CLUSTER: (1995, 2022),
    Kind.SME: (1985, 2024),
    Kind.LARGE_COMPANY: (1890, 1995),
    Kind.RTO: (1900, 2015),
    Kind.UNIVERSITY: (1810, 1995),
    Kind.INCUBATOR: (2000, 2023),
    Kind.PUBLIC_AUTHORITY: (1950, 2010),
    Kind.INVESTOR: (1990, 2022),
    Kind.OTHER: (1950, 2020),
}
SIZE_TURNOVER = {
    "micro": ("lt2m", "lt2m", "lt2m", "lt10m"),
    "small": ("lt2m", "lt10m", "lt10m"),
    "medium": ("lt10m", "lt50m", "lt50m"),
}
# Every scalar field the generator sets; the upsert compares and writes exactly these.
SCALAR_FIELDS = (
    "name", "acronym", "kind", "status", "country", "region_id", "city", "latitude",
    "longitude", "website", "website_in_english", "description", "founded_year", "offers",
    "looks_for", "target_countries", "member_count", "staff_fte", "label",
    "label_valid_until", "size_class", "turnover_band", "contact_name", "contact_email",
    "contact_phone", "verified", "verified_at", "verified_by_id", "published_at",
)  # fmt: skip
M2M_FIELDS = (
    "sectors", "ecosystems", "emerging_industries", "technologies", "thematic_areas",
    "offers_topics", "looks_for_topics", "collaboration_types",
)  # fmt: skip
