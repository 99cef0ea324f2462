"""Inter-annotator agreement over plain documents: the computation core.

Pure: documents in (``converters.document.Document``, one list per annotator), dataclasses out
(``db.agreement.results``); no database, no torch. The store gives it each annotator's layer,
``python -m db agreement`` and the page show what it returns.

``agreement(layers, reference=None, schema=None) -> Agreement`` compares every pair of
annotators (or, with ``reference``, that layer against each other one: the curated layer, a
model's predictions); ``compare(a, b) -> PairAgreement`` is the one-pair form.
``project_report(layer_set, schema) -> AgreementReport`` (``db.agreement.report``) puts a
project's comparisons together (annotators, each against the curated layer, the model against
it) and ``render_text`` prints it.

Definitions, and why:

- **Documents** are matched by name (``Document.id``). A name must have one text across
  annotators (``AgreementInputError`` names the document and the two annotators otherwise):
  offsets into two different texts cannot be compared. A pair compares the documents both
  hold; a document an annotator lacks is left out of that annotator's comparisons, not counted
  as annotated empty (not yet annotated is not "nothing here"); give an empty document where
  empty is meant.
- **Entities, exact**: an entity is its type and its extent, the set of its fragments (order
  of fragments ignored). Matching is one-to-one on that key, as multisets: an entity
  annotated twice by A and once by B is one match and one only-in-A. Event triggers are left
  out (they belong to their events, which are not compared here).
- **Entities, overlap**: same type and at least one shared character (any fragment with any
  fragment), matched one-to-one; the count is the size of a *maximum* matching, so it does not
  depend on the order of the annotations, and it is never below the exact count.
- **Relations**: type and both arguments, each argument matched exactly (type and extent),
  direction kept; for types the schema marks symmetric (``RelationType.symmetric``) the two
  arguments are compared as an unordered pair. Extra arguments (ACE) are part of the key. A
  relation with an argument that is not an entity is not compared (``skipped_relations``).
- **F1** = ``2 m / (2 m + only_a + only_b)``, symmetric in A and B (precision and recall take A
  as the reference). ``overall`` is micro: counts summed over types and documents. Undefined
  (``None``) when both layers are empty for it. The mean over pairs averages the defined pair
  figures.
- **Tokens** (kappa, alpha): the units are ``converters.tokenize.tokenize(text)``, the same
  for every annotator and pair since they depend on the text alone. A token's label is the
  sorted tuple of the types of the entities (triggers excepted) one of whose fragments shares
  a character with it, ``()`` (outside) when none does: nested entities of one type give that
  type, overlapping entities of two types a compound label of their own (no arbitrary pick).
  An entity edge inside a token is invisible here (the F1s see it).
- **Cohen's kappa** per pair over the tokens of the shared documents; ``None`` when expected
  agreement is 1 (both used one label throughout). ``Agreement.kappa`` is the mean over pairs.
- **Krippendorff's alpha** (nominal) over all annotators at once: one unit per token of every
  document at least two annotators hold; an annotator without the document is a missing
  value. Not computed with a reference (``None``).

bratiaa (0.1.4, ``compute_f1_agreement`` without a tokenizer: instance-based F1), checked
against in ``tests/db/test_agreement.py``, gives the same exact-span entity F1 per type, overall
and as the mean over pairs, with these differences:

- it puts each ``.ann`` file's text-bound annotations in a *set* of (type, spans), so an
  annotation duplicated within one file counts once (we count it twice: one of them is
  unmatched);
- it compares fragments in file order (we as a set; our BRAT writer keeps a document's order,
  so the two agree unless two annotators order one entity's fragments differently);
- it counts event triggers as entities (and stops with ``KeyError`` on their labels, since
  its labels are ``annotation.conf``'s entity types);
- a label no annotator of a pair used gets F1 NaN, and a mean over pairs with one NaN is NaN
  (we leave such a pair out of that type's mean);
- it takes the documents every annotator folder holds (same relative ``.ann`` path) and never
  compares texts; it has no relations, no overlap variant and no chance correction (its
  token mode is an F1 over token-sized pieces, not kappa).
"""

from db.agreement.compute import agreement, compare
from db.agreement.layers import AgreementInputError
from db.agreement.report import AgreementReport, project_report, render_text
from db.agreement.results import (
    MEASURES,
    Agreement,
    Counts,
    MeanScores,
    PairAgreement,
    Scores,
)

__all__ = [
    "MEASURES",
    "Agreement",
    "AgreementInputError",
    "AgreementReport",
    "Counts",
    "MeanScores",
    "PairAgreement",
    "Scores",
    "agreement",
    "compare",
    "project_report",
    "render_text",
]
