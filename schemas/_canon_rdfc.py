"""RDFC-1.0 (URDNA2015) over quads held as N-Quads term tuples, with every step metered.

Follows https://www.w3.org/TR/rdf-canon/ and pyld's ``canon.URDNA2015`` step for step (the step
numbers below are the specification's), so the output is byte-identical to pyld's. Blank nodes
whose first-degree hash is unique are labelled at once; only groups of blank nodes with equal
first-degree hashes go through the Hash N-Degree Quads algorithm, whose calls and permutations
are charged to the :class:`~schemas._canon_budget.Meter` (this is where a blank-node clique is
stopped).

Permutations come from pyld's own generator (Steinhaus-Johnson-Trotter over the sorted list):
the order decides which issuer is kept when two paths tie, and with repeated entries (a blank
node named as the graph of several quads appears once per quad) it yields a single
permutation where a textbook generator would yield n! identical ones; every proof in a
named graph has such a list.
"""

from __future__ import annotations

import hashlib

from pyld.canon import permutations

from schemas._canon_budget import Meter
from schemas._canon_quads import DEFAULT_GRAPH, Quad


class _Issuer:
    """The Issue Identifier algorithm's state: a prefix, a counter and the issue order."""

    __slots__ = ("existing", "order", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.existing: dict[str, str] = {}
        self.order: list[str] = []

    def issue(self, blank: str) -> str:
        issued = self.existing.get(blank)
        if issued is None:
            issued = f"{self.prefix}{len(self.order)}"
            self.existing[blank] = issued
            self.order.append(blank)
        return issued

    def copy(self) -> _Issuer:
        clone = _Issuer(self.prefix)
        clone.existing = dict(self.existing)
        clone.order = list(self.order)
        return clone


def _line(subject: str, predicate: str, obj: str, graph: str) -> str:
    if graph == DEFAULT_GRAPH:
        return f"{subject} {predicate} {obj} .\n"
    return f"{subject} {predicate} {obj} {graph} .\n"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Canonicalizer:
    def __init__(self, quads: list[Quad], meter: Meter) -> None:
        self._quads = quads
        self._meter = meter
        self._quads_of: dict[str, list[Quad]] = {}
        for quad in quads:
            subject, _, obj, graph = quad
            for term in (subject, obj, graph):
                # once per position, as pyld does: a self-loop counts twice in the hashes
                if term.startswith("_:"):
                    self._quads_of.setdefault(term, []).append(quad)
        meter.check_quads(len(quads))
        meter.check_blank_nodes(len(self._quads_of))
        self._first_degree: dict[str, str] = {}
        self._related_hashes: dict[str, str] = {}
        self._canonical = _Issuer("_:c14n")

    # 4.6 Hash First Degree Quads
    def _hash_first_degree(self, blank: str) -> str:
        known = self._first_degree.get(blank)
        if known is not None:
            return known
        lines = []
        for subject, predicate, obj, graph in self._quads_of[blank]:
            lines.append(
                _line(
                    _mask(subject, blank),
                    predicate,
                    _mask(obj, blank),
                    _mask(graph, blank),
                )
            )
        lines.sort()
        digest = _sha256("".join(lines))
        self._first_degree[blank] = digest
        return digest

    # 4.7 Hash Related Blank Node
    def _hash_related(self, related: str, predicate: str, issuer: _Issuer, position: str) -> str:
        identifier = self._canonical.existing.get(related) or issuer.existing.get(related)
        if identifier is None:
            identifier = self._hash_first_degree(related)
        data = position + identifier if position == "g" else position + predicate + identifier
        digest = self._related_hashes.get(data)
        if digest is None:
            digest = self._related_hashes[data] = _sha256(data)
        return digest

    # 4.8 Hash N-Degree Quads
    def _hash_n_degree(self, blank: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        meter = self._meter
        meter.ndegree_step()
        canonical = self._canonical.existing
        hash_to_related: dict[str, list[str]] = {}
        for subject, predicate, obj, graph in self._quads_of[blank]:
            for position, term in (("s", subject), ("o", obj), ("g", graph)):
                if term != blank and term.startswith("_:"):
                    related_hash = self._hash_related(term, predicate, issuer, position)
                    hash_to_related.setdefault(related_hash, []).append(term)

        data = hashlib.sha256()
        for related_hash in sorted(hash_to_related):
            data.update(related_hash.encode("utf-8"))
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in permutations(list(hash_to_related[related_hash])):
                meter.ndegree_step()
                issuer_copy = issuer
                copied = False
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    if related in canonical:
                        path += canonical[related]
                    else:
                        if related not in issuer_copy.existing:
                            recursion.append(related)
                            if not copied:  # copy on first write: ``issuer`` is shared
                                issuer_copy = issuer.copy()
                                copied = True
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, issuer_copy = self._hash_n_degree(related, issuer_copy)
                    path += issuer_copy.issue(related) + "<" + result_hash + ">"
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data.update(chosen_path.encode("utf-8"))
            assert chosen_issuer is not None  # the first permutation is never skipped
            issuer = chosen_issuer
        return data.hexdigest(), issuer

    # 4.4 Canonicalization Algorithm
    def run(self) -> str:
        meter = self._meter
        hash_to_blanks: dict[str, list[str]] = {}
        for count, blank in enumerate(self._quads_of, 1):
            hash_to_blanks.setdefault(self._hash_first_degree(blank), []).append(blank)
            if count % 64 == 0:
                meter.check_time("first-degree hashing")

        shared: list[list[str]] = []
        for _, blanks in sorted(hash_to_blanks.items()):
            if len(blanks) == 1:
                self._canonical.issue(blanks[0])
            else:
                shared.append(blanks)

        for blanks in shared:
            results = []
            for blank in blanks:
                if blank in self._canonical.existing:
                    continue
                temporary = _Issuer("_:b")
                temporary.issue(blank)
                results.append(self._hash_n_degree(blank, temporary))
            results.sort(key=lambda result: result[0])
            for _, issuer in results:
                for existing in issuer.order:
                    self._canonical.issue(existing)

        labels = self._canonical.existing
        lines = [
            _line(
                labels.get(subject, subject),
                predicate,
                labels.get(obj, obj) if obj.startswith("_:") else obj,
                labels.get(graph, graph),
            )
            for subject, predicate, obj, graph in self._quads
        ]
        lines.sort()
        meter.check_time("serialization")
        return "".join(lines)


def _mask(term: str, blank: str) -> str:
    if not term.startswith("_:"):
        return term
    return "_:a" if term == blank else "_:z"


def canonical_nquads(quads: list[Quad], meter: Meter) -> str:
    """The canonical N-Quads document of ``quads`` (terms in N-Quads form, graph "" = default)."""
    return _Canonicalizer(quads, meter).run()
