"""ACE 2005 APF vocabulary (apf.v5.1.1.dtd) and the names this package gives ACE things.

The DTD restricts most attributes to enumerations; the writer checks every value against these
tables so what it writes validates without needing the DTD at run time. The reader and the
writer both need the tables, the pair's file suffixes and the ``Group`` types that carry ACE
parents in the shared model, so they live here, apart from either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ENTITY_SUBTYPES: dict[str, tuple[str, ...]] = {
    "PER": ("Individual", "Group", "Indeterminate"),
    "ORG": (
        "Government",
        "Non-Governmental",
        "Commercial",
        "Educational",
        "Media",
        "Religious",
        "Sports",
        "Medical-Science",
        "Entertainment",
    ),
    "LOC": (
        "Address",
        "Boundary",
        "Water-Body",
        "Celestial",
        "Land-Region-Natural",
        "Region-General",
        "Region-International",
    ),
    "GPE": (
        "Continent",
        "Nation",
        "State-or-Province",
        "County-or-District",
        "Population-Center",
        "GPE-Cluster",
        "Special",
    ),
    "FAC": ("Building-Grounds", "Subarea-Facility", "Path", "Airport", "Plant"),
    "VEH": ("Land", "Air", "Water", "Subarea-Vehicle", "Underspecified"),
    "WEA": (
        "Blunt",
        "Exploding",
        "Sharp",
        "Chemical",
        "Biological",
        "Shooting",
        "Projectile",
        "Nuclear",
        "Underspecified",
    ),
}
ALL_ENTITY_SUBTYPES = frozenset(s for subs in ENTITY_SUBTYPES.values() for s in subs)
# SUBTYPE is #REQUIRED on entity; when a document does not say, the least committal one.
DEFAULT_ENTITY_SUBTYPE = {
    "PER": "Indeterminate",
    "ORG": "Non-Governmental",
    "LOC": "Region-General",
    "GPE": "Special",
    "FAC": "Subarea-Facility",
    "VEH": "Underspecified",
    "WEA": "Underspecified",
}
ENTITY_CLASSES = ("NEG", "SPC", "GEN", "USP")
MENTION_ATTRS: dict[str, tuple[str, ...] | None] = {
    "TYPE": ("NAM", "NOM", "PRO"),
    "LDCTYPE": (
        "NAM",
        "NOM",
        "BAR",
        "PRO",
        "WHQ",
        "HLS",
        "PTV",
        "APP",
        "ARC",
        "EAP",
        "NAMPRE",
        "NOMPRE",
    ),
    "ROLE": ("PER", "ORG", "LOC", "GPE"),
    "METONYMY_MENTION": ("TRUE", "FALSE"),
    "LDCATR": ("TRUE", "FALSE"),
}
VALUE_SUBTYPES: dict[str, tuple[str, ...]] = {
    "Numeric": ("Money", "Percent"),
    "Contact-Info": ("Phone-Number", "E-Mail", "URL"),
    "Crime": (),
    "Job-Title": (),
    "Sentence": (),
}
TIMEX2_TYPE = "TIMEX2"
TIMEX2_ATTRS: dict[str, tuple[str, ...] | None] = {
    "VAL": None,
    "MOD": (
        "BEFORE",
        "AFTER",
        "ON_OR_BEFORE",
        "ON_OR_AFTER",
        "LESS_THAN",
        "MORE_THAN",
        "EQUAL_OR_LESS",
        "EQUAL_OR_MORE",
        "START",
        "MID",
        "END",
        "APPROX",
    ),
    "ANCHOR_VAL": None,
    "ANCHOR_DIR": ("WITHIN", "STARTING", "ENDING", "AS_OF", "BEFORE", "AFTER"),
    "SET": ("YES",),
    "NON_SPECIFIC": ("YES",),
    "COMMENT": None,
}
RELATION_SUBTYPES: dict[str, tuple[str, ...]] = {
    "PHYS": ("Located", "Near"),
    "PART-WHOLE": ("Geographical", "Subsidiary", "Artifact"),
    "PER-SOC": ("Business", "Family", "Lasting-Personal"),
    "ORG-AFF": (
        "Employment",
        "Ownership",
        "Founder",
        "Student-Alum",
        "Sports-Affiliation",
        "Investor-Shareholder",
        "Membership",
    ),
    "ART": ("User-Owner-Inventor-Manufacturer",),
    "GEN-AFF": ("Citizen-Resident-Religion-Ethnicity", "Org-Location"),
    "METONYMY": (),
}
ALL_RELATION_SUBTYPES = frozenset(s for subs in RELATION_SUBTYPES.values() for s in subs)
# The only relation TYPE with no SUBTYPE; used for relation types ACE does not know.
FALLBACK_RELATION_TYPE = "METONYMY"
FALLBACK_ENTITY_TYPE = "PER"
TIME_ROLES = (
    "Time-Within",
    "Time-Starting",
    "Time-Ending",
    "Time-Before",
    "Time-After",
    "Time-Holds",
    "Time-At-Beginning",
    "Time-At-End",
)
RELATION_ROLES = ("Arg-1", "Arg-2", *TIME_ROLES)
RELATION_ATTRS: dict[str, tuple[str, ...]] = {
    "MODALITY": ("Asserted", "Other"),
    "TENSE": ("Past", "Present", "Future", "Unspecified"),
}
LEXICAL_CONDITIONS = (
    "Possessive",
    "Preposition",
    "PreMod",
    "Formulaic",
    "Verbal",
    "Participial",
    "Other",
    "Coordination",
)
EVENT_SUBTYPES: dict[str, tuple[str, ...]] = {
    "Life": ("Be-Born", "Die", "Marry", "Divorce", "Injure"),
    "Transaction": ("Transfer-Ownership", "Transfer-Money"),
    "Movement": ("Transport",),
    "Business": ("Start-Org", "End-Org", "Declare-Bankruptcy", "Merge-Org"),
    "Conflict": ("Attack", "Demonstrate"),
    "Contact": ("Meet", "Phone-Write"),
    "Personnel": ("Start-Position", "End-Position", "Nominate", "Elect"),
    "Justice": (
        "Arrest-Jail",
        "Release-Parole",
        "Charge-Indict",
        "Trial-Hearing",
        "Sue",
        "Convict",
        "Sentence",
        "Fine",
        "Execute",
        "Extradite",
        "Acquit",
        "Pardon",
        "Appeal",
    ),
}
ALL_EVENT_SUBTYPES = frozenset(s for subs in EVENT_SUBTYPES.values() for s in subs)
EVENT_ATTRS: dict[str, tuple[str, ...]] = {
    "MODALITY": ("Asserted", "Other"),
    "POLARITY": ("Positive", "Negative"),
    "GENERICITY": ("Generic", "Specific"),
    "TENSE": ("Past", "Present", "Future", "Unspecified"),
}
EVENT_DEFAULTS = {
    "MODALITY": "Asserted",
    "POLARITY": "Positive",
    "GENERICITY": "Specific",
    "TENSE": "Unspecified",
}
EVENT_ROLES = (
    "Person",
    "Place",
    "Buyer",
    "Seller",
    "Beneficiary",
    "Price",
    "Artifact",
    "Origin",
    "Destination",
    "Giver",
    "Recipient",
    "Money",
    "Org",
    "Agent",
    "Victim",
    "Instrument",
    "Entity",
    "Attacker",
    "Target",
    "Defendant",
    "Adjudicator",
    "Prosecutor",
    "Plaintiff",
    "Crime",
    "Position",
    "Sentence",
    "Vehicle",
    *TIME_ROLES,
)
SOURCE_FILE_TYPES = ("text", "audio", "image")

# -- how a pair and the shared model name ACE things ----------------------------------------

APF_SUFFIX = ".apf.xml"
SGM_SUFFIX = ".sgm"
ENTITY_GROUP, VALUE_GROUP, TIMEX_GROUP = "ace-entity", "ace-value", "ace-timex2"
RELATION_GROUP, EVENT_GROUP = "ace-relation", "ace-event"


def split_type(value: str, table: dict[str, tuple[str, ...]]) -> tuple[str, str | None] | None:
    """``"ORG-AFF"`` -> (``ORG-AFF``, None); ``"PER.Individual"``/``"PER:Individual"``/
    ``"PER-Individual"`` -> (``PER``, ``Individual``); ``None`` when not an ACE type."""
    if value in table:
        return value, None
    for i, char in enumerate(value):
        if char in ".:-" and value[:i] in table and value[i + 1 :] in table[value[:i]]:
            return value[:i], value[i + 1 :]
    return None


def pick_type(
    types: Iterable[str],
    table: dict[str, tuple[str, ...]],
    known_type: Any,
    fallback: str,
    subtype_hints: Iterable[Any],
) -> tuple[str, str | None]:
    """TYPE and SUBTYPE for an ACE parent written from its mentions' model types.

    TYPE: that of the first of ``types`` that is an ACE type in ``table``, else ``known_type``
    (the parent's stored TYPE) when ``table`` has it, else ``fallback``. SUBTYPE: the first of
    the subtype that type carried and ``subtype_hints`` which the TYPE allows, else ``None``.
    """
    chosen = subtype = None
    for value in types:
        parsed = split_type(value, table)
        if parsed:
            chosen, subtype = parsed
            break
    if chosen is None and known_type in table:
        chosen = known_type
    if chosen is None:
        chosen = fallback
    allowed = table[chosen]
    for candidate in (subtype, *subtype_hints):
        if candidate in allowed:
            return chosen, candidate
    return chosen, None
