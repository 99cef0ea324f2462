"""ACE 2005 APF vocabulary (apf.v5.1.1.dtd) and hardened XML loading.

The DTD restricts most attributes to enumerations; the writer checks every value against these
tables so what it writes validates without needing the DTD at run time.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from converters.errors import ConversionError

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

_NAME_RE = re.compile(r"^[A-Za-z_:][\w.\-:]*$")
_NMTOKEN_RE = re.compile(r"^[\w.\-:]+$")
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def is_xml_name(value: str) -> bool:
    """Whether ``value`` may be an XML ``ID`` (an XML Name, ASCII-restricted here)."""
    return bool(_NAME_RE.match(value))


def is_nmtoken(value: str) -> bool:
    return bool(_NMTOKEN_RE.match(value))


def xml_safe(text: str) -> str:
    """``text`` with characters XML 1.0 cannot hold (control characters) replaced by U+FFFD."""
    return _XML_ILLEGAL_RE.sub("\ufffd", text)


def split_type(value: str, table: dict[str, tuple[str, ...]]) -> tuple[str, str | None] | None:
    """``"ORG-AFF"`` -> (``ORG-AFF``, None); ``"PER.Individual"``/``"PER:Individual"``/
    ``"PER-Individual"`` -> (``PER``, ``Individual``); ``None`` when not an ACE type."""
    if value in table:
        return value, None
    for i, char in enumerate(value):
        if char in ".:-" and value[:i] in table and value[i + 1 :] in table[value[:i]]:
            return value[:i], value[i + 1 :]
    return None


# -- hardened XML loading ------------------------------------------------------------------

_DOCTYPE_RE = re.compile(r"<!DOCTYPE", re.IGNORECASE)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _check_doctype(path: Path, text: str) -> None:
    """Accept ``<!DOCTYPE x SYSTEM "apf.dtd">`` (never loaded); refuse internal subsets.

    An internal subset is where entity declarations live (XXE, billion laughs, quadratic
    blow-up); real APF files never have one, so refusing it outright is both safe and clear.
    """
    entity = text.find("<!ENTITY")
    if entity >= 0:
        raise ConversionError(
            path,
            "XML entity declarations (<!ENTITY ...>) are not allowed in APF files "
            "(entity expansion is disabled for safety)",
            line=_line_of(text, entity),
        )
    match = _DOCTYPE_RE.search(text)
    if match is None:
        return
    quote = ""
    for i in range(match.end(), len(text)):
        char = text[i]
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "[":
            raise ConversionError(
                path,
                "DOCTYPE with an internal subset is not allowed in APF files "
                "(only an external SYSTEM id such as apf.v5.1.1.dtd, which is not loaded)",
                line=_line_of(text, i),
            )
        elif char == ">":
            return


def load_xml(path: Path) -> etree._Element:
    """Parse an XML file with entity expansion, DTD loading and network access off.

    Names the file (and line) for invalid UTF-8, forbidden DOCTYPEs and malformed XML.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConversionError(
            path, f"not valid UTF-8 (byte {exc.start}: {exc.reason})", offset=exc.start
        ) from None
    _check_doctype(path, text)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ConversionError(path, f"malformed XML: {exc.msg}", line=exc.lineno) from None
    for ref in root.iter(etree.Entity):
        raise ConversionError(
            path,
            f"entity reference {ref.text} cannot be resolved (entity expansion is disabled; "
            "only &amp; &lt; &gt; &quot; &apos; and numeric references are allowed)",
            line=ref.sourceline,
        )
    internal = root.getroottree().docinfo.internalDTD  # belt and braces
    if internal is not None and (list(internal.iterentities()) or list(internal.iterelements())):
        raise ConversionError(path, "DOCTYPE with an internal subset is not allowed", line=1)
    return root


def dtd_problems(apf_path: Path, dtd_path: Path) -> list[tuple[str, int | None]]:
    """Validate an APF file against a local DTD file; ``(message, line)`` per problem."""
    dtd_text = dtd_path.read_text(encoding="utf-8", errors="replace")
    if "<!ENTITY" in dtd_text:
        return [(f"DTD {dtd_path.name} declares entities; refusing to load it", None)]
    try:
        dtd = etree.DTD(str(dtd_path))
    except etree.DTDParseError as exc:  # a broken DTD next to the data is a problem, not a crash
        return [(f"DTD {dtd_path.name} cannot be parsed: {exc}", None)]
    root = load_xml(apf_path)
    if dtd.validate(root):
        return []
    return [(f"DTD {dtd_path.name}: {err.message}", err.line) for err in dtd.error_log]
