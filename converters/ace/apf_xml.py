"""Hardened XML for APF files: loading, DTD validation, and what XML can hold.

APF files come from users, so parsing them is a security boundary: no entity expansion, no
DTD loading, no network. Everything that touches XML as XML (not the ACE meaning of the
elements) is kept here so that boundary is reviewed in one place: the loader, the DTD check
``validate`` runs against a local DTD, and the name and character checks the writer needs for
what it puts into XML.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from converters.errors import ConversionError

DTD_NAME = "apf.v5.1.1.dtd"
# the copy shipped with the package, used when none sits next to the data
SHIPPED_DTD = Path(__file__).resolve().parent.parent / "dtd" / DTD_NAME

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
