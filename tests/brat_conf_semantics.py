"""An independent judge of whether ``.ann`` files are valid under an ``annotation.conf``.

Written from brat's documentation of the configuration (brat.nlplab.org/configuration.html)
and of the standoff format, not from ``converters``: the tests that export a project use it so
that our own conf reader and ``converters.schema_admission`` are not the only judges of what
we write. What it implements, as documented:

- sections ``[entities]``, ``[relations]``, ``[events]``, ``[attributes]``; ``#`` comments,
  lines of hyphens (separators) and ``<NAME>=value`` macros; a type hierarchy by leading
  whitespace; ``!Name`` cannot be annotated; ``Name|Alias`` gives display aliases;
- arguments ``Role:Type1|Type2`` separated by commas; an event role ends in ``?`` (optional),
  ``*`` (any number), ``+`` (one or more) or nothing (exactly one); repeated event arguments
  are numbered in the data (``Theme2``); ``<ENTITY>``, ``<EVENT>``, ``<RELATION>``, ``<ANY>``
  match any type of that class; a type admits its subtypes; ``<REL-TYPE>:symmetric-transitive``
  marks the types usable in ``*`` equivalence lines;
- attributes: ``Name Arg:Types[, Value:V1|V2]``, binary when there is no ``Value``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

MACROS = {"<ENTITY>", "<EVENT>", "<RELATION>", "<ANY>"}


@dataclass
class Conf:
    parents: dict[str, str | None] = field(default_factory=dict)  # every type, all sections
    entities: set[str] = field(default_factory=set)
    events: dict[str, dict[str, tuple[list[str], str]]] = field(default_factory=dict)
    relations: dict[str, list[tuple[dict[str, list[str]], dict[str, str]]]] = field(
        default_factory=dict
    )
    attributes: dict[str, tuple[list[str], list[str] | None]] = field(default_factory=dict)
    unannotatable: set[str] = field(default_factory=set)

    def lineage(self, name: str) -> list[str]:
        chain = [name]
        while self.parents.get(chain[-1]) and self.parents[chain[-1]] not in chain:
            chain.append(self.parents[chain[-1]])  # type: ignore[arg-type]
        return chain

    def admits(self, allowed: list[str], kind: str, type_name: str) -> bool:
        if "<ANY>" in allowed or f"<{kind.upper()}>" in allowed:
            return True
        return bool(set(self.lineage(type_name)) & set(allowed))


def _lines(section: list[str], macros: dict[str, str]) -> list[tuple[int, str, list[str]]]:
    out = []
    for raw in section:
        if not raw.strip() or raw.lstrip().startswith("#") or re.fullmatch(r"\s*-+\s*", raw):
            continue
        for name, value in macros.items():
            raw = raw.replace(name, value)
        m = re.fullmatch(r"(\s*)(\S+)(?:\s+(.*))?", raw.rstrip("\n"))
        assert m, f"unparsable conf line {raw!r}"
        indent, terms, args = m.groups()
        name = terms.split("|")[0]
        out.append((len(indent), name, [a.strip() for a in (args or "").split(",") if a.strip()]))
    return out


def parse_conf(text: str) -> Conf:
    sections: dict[str, list[str]] = {}
    current = None
    macros: dict[str, str] = {}
    for line in text.splitlines():
        header = re.fullmatch(r"\s*\[(\w+)\]\s*", line)
        macro = re.fullmatch(r"(<[A-Za-z_-]+>)=\s*(.*?)\s*", line)
        if header:
            current = header.group(1)
            sections.setdefault(current, [])
        elif macro:
            macros[macro.group(1)] = macro.group(2)
        elif current is not None:
            sections[current].append(line)
    assert {"entities", "relations", "events", "attributes"} <= set(sections), sorted(sections)
    conf = Conf()
    for kind in ("entities", "relations", "events"):
        last_at: dict[int, str] = {}
        for depth, name, args in _lines(sections[kind], macros):
            bare = name.lstrip("!")
            if name.startswith("!"):
                conf.unannotatable.add(bare)
            conf.parents[bare] = last_at.get(depth - 1) if depth else None
            last_at[depth] = bare
            pairs = [a.split(":", 1) for a in args]
            assert all(len(p) == 2 for p in pairs), f"bad arguments {args}"
            if kind == "entities":
                conf.entities.add(bare)
            elif kind == "relations":
                roles = {k: v.split("|") for k, v in pairs if not k.startswith("<")}
                special = {k: v for k, v in pairs if k.startswith("<")}
                conf.relations.setdefault(bare, []).append((roles, special))
            else:
                slots = {}
                for key, types in pairs:
                    card = key[-1] if key[-1] in "?*+" else ""
                    slots[key.rstrip("?*+")] = (types.split("|"), card)
                conf.events[bare] = slots
    for _, name, args in _lines(sections["attributes"], macros):
        pairs = dict(a.split(":", 1) for a in args)
        values = pairs["Value"].split("|") if "Value" in pairs else None
        conf.attributes[name] = (pairs.get("Arg", "<ANY>").split("|"), values)
    return conf


def check_ann(conf: Conf, text: str, where: str) -> list[str]:
    """Every line of one ``.ann`` that ``conf`` does not admit, as ``where: line: why``."""
    problems: list[str] = []
    rows = [line.split("\t") for line in text.splitlines() if line.strip()]
    kinds: dict[str, tuple[str, str]] = {}  # id -> (class, type)
    triggers = {
        r[1].split()[0].split(":")[1]: r[1].split()[0].split(":")[0] for r in rows if r[0][0] == "E"
    }
    for r in rows:
        ident, body = r[0], r[1].split()
        if ident[0] == "T":
            kinds[ident] = ("event" if ident in triggers else "entity", body[0])
        elif ident[0] == "E":
            kinds[ident] = ("event", body[0].split(":")[0])
        elif ident[0] == "R":
            kinds[ident] = ("relation", body[0])
        elif ident[0] in "AM":
            kinds[ident] = ("attribute", body[0])

    def bad(row: list[str], why: str) -> None:
        problems.append(f"{where}: {chr(9).join(row)}: {why}")

    for r in rows:
        ident, body = r[0], r[1].split()
        if ident[0] == "T":
            kind, type_ = kinds[ident]
            declared = conf.events if kind == "event" else conf.entities
            if type_ not in declared:
                bad(r, f"{kind} type {type_} is not declared")
            elif type_ in conf.unannotatable:
                bad(r, f"{type_} is marked ! (not annotatable)")
            if kind == "event" and triggers[ident] != type_:
                bad(r, f"trigger type {type_} differs from its event's {triggers[ident]}")
        elif ident[0] == "R":
            args = dict(a.split(":", 1) for a in body[1:])
            lines = conf.relations.get(body[0])
            if not lines:
                bad(r, f"relation type {body[0]} is not declared")
            elif not any(
                set(roles) == set(args)
                and all(conf.admits(roles[k], *kinds[v]) for k, v in args.items())
                for roles, _ in lines
            ):
                bad(r, "no declaration of the relation admits these roles and argument types")
        elif ident[0] == "E":
            type_ = body[0].split(":")[0]
            slots = conf.events.get(type_)
            if slots is None:
                bad(r, f"event type {type_} is not declared")
                continue
            counts: dict[str, int] = {}
            for arg in body[1:]:
                role, ref = arg.split(":", 1)
                base = role if role in slots else role.rstrip("0123456789")
                if base not in slots:
                    bad(r, f"role {role} is not declared for {type_}")
                    continue
                counts[base] = counts.get(base, 0) + 1
                if not conf.admits(slots[base][0], *kinds[ref]):
                    bad(r, f"role {role} does not admit {kinds[ref][1]}")
            for base, (_, card) in slots.items():
                n = counts.get(base, 0)
                if (n == 0 and card in ("", "+")) or (n > 1 and card in ("", "?")):
                    bad(r, f"role {base}{card} occurs {n} times")
        elif ident[0] in "AM":
            name, target, *value = body
            declared_attr = conf.attributes.get(name)
            if declared_attr is None:
                bad(r, f"attribute {name} is not declared")
                continue
            targets, values = declared_attr
            if not conf.admits(targets, *kinds[target]):
                bad(r, f"attribute {name} does not apply to {kinds[target][1]}")
            if (values is None) != (not value) or (value and value[0] not in (values or [])):
                bad(r, f"attribute {name} value {value} is not among {values}")
        elif ident[0] in "N#":  # normalizations and notes: on an annotation of the file
            target = body[1]
            if target not in kinds:
                bad(r, f"{ident} refers to {target}, no annotation of this file")
        elif ident == "*":
            lines = conf.relations.get(body[0])
            if not lines or not any(
                "symmetric" in s.get("<REL-TYPE>", "") and "transitive" in s.get("<REL-TYPE>", "")
                for _, s in lines
            ):
                bad(r, f"{body[0]} is not a symmetric-transitive relation type")
                continue
            for member in body[1:]:
                if not any(
                    all(conf.admits(t, *kinds[member]) for t in roles.values())
                    for roles, _ in lines
                ):
                    bad(r, f"{body[0]} does not admit {kinds[member][1]} ({member})")
    return problems


def check_export(folder: Path) -> tuple[int, list[str]]:
    """(lines checked, problems) for every ``.ann`` under ``folder`` against the nearest
    ``annotation.conf`` (brat looks in the document's folder, then up the tree)."""
    checked, problems = 0, []
    for ann in sorted(folder.rglob("*.ann")):
        conf_dir = ann.parent
        while not (conf_dir / "annotation.conf").is_file():
            assert conf_dir != folder, f"no annotation.conf above {ann}"
            conf_dir = conf_dir.parent
        conf = parse_conf((conf_dir / "annotation.conf").read_text(encoding="utf-8"))
        text = ann.read_text(encoding="utf-8")
        checked += sum(1 for line in text.splitlines() if line.strip())
        problems += check_ann(conf, text, str(ann.relative_to(folder)))
    return checked, problems
