"""Expanded JSON-LD to RDF quads, with the same quads pyld's ``to_rdf`` produces, in linear time.

pyld builds a node map and deduplicates each property's values by comparing every new value
with all previous ones (quadratic: 10,000 values of one property take pyld half a minute), then
turns the map into quads. This module walks the expanded document once and emits each quad as
soon as it is known, deduplicating with a set keyed exactly as pyld's ``compare_values``
compares (same subject, property and @id, or same @value (booleans never equal numbers),
@type, @language and @index). Blank-node labels differ from pyld's, which canonicalization
makes irrelevant.

Terms are kept in N-Quads form ("<iri>", "_:b0", '"literal"^^<datatype>'), so the RDFC-1.0
stage only has to join strings. Literals are escaped as RDFC-1.0's canonical N-Quads require
(RDFC-1.0 §4 / RDF 1.2 N-Quads "canonical form": ECHAR for BS, HT, LF, FF, CR, ``"`` and ``\\``;
UCHAR ``\\u00XX`` with upper-case hex for the other C0 controls and DEL), as Digital Bazaar's
rdf-canonize does. pyld 3.3's ``nquads.escape`` escapes only five of these characters, so a
string holding, say, U+000B canonicalizes differently there and its signature fails against
every other implementation; the pyld comparisons in tests/schemas substitute this escaping.
"""

from __future__ import annotations

import re
from typing import Any

from pyld import jsonld

from schemas._canon_budget import InvalidJsonLd, Meter

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE_IRI = f"{RDF}type"
RDF_FIRST = f"<{RDF}first>"
RDF_REST = f"<{RDF}rest>"
RDF_NIL = f"<{RDF}nil>"
RDF_LANGSTRING = f"{RDF}langString"
RDF_JSON = f"{RDF}JSON"
XSD_BOOLEAN = f"{XSD}boolean"
XSD_DOUBLE = f"{XSD}double"
XSD_INTEGER = f"{XSD}integer"
XSD_STRING = f"{XSD}string"

DEFAULT_GRAPH = ""

# pyld's test for an absolute IRI, kept identical (including its character range "+-." and
# re.match's "$" accepting a final newline) so the same quads are dropped.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_CHECK_EVERY = 128
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')
_ECHAR = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_ESCAPES = {chr(c): f"\\u{c:04X}" for c in [*range(0x20), 0x7F]} | _ECHAR

Quad = tuple[str, str, str, str]


_absolute_cache: dict[str, bool] = {}
_ABSOLUTE_CACHE_SIZE = 4096


def _is_absolute(iri: str) -> bool:
    """pyld's absolute-IRI test, remembered: predicates and types recur in every credential."""
    known = _absolute_cache.get(iri)
    if known is None:
        if len(_absolute_cache) >= _ABSOLUTE_CACHE_SIZE:
            _absolute_cache.clear()
        known = _absolute_cache[iri] = _ABSOLUTE_IRI.match(iri) is not None
    return known


def escape(text: str) -> str:
    """A string literal's characters in canonical N-Quads form (RDFC-1.0, RDF 1.2 N-Quads §8
    "Canonical form"): ``\\b \\t \\n \\f \\r \\" \\\\`` and ``\\u0000``-style UCHARs."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    return _NEEDS_ESCAPE.sub(lambda match: _ESCAPES[match.group()], text)


def _subject_and_property_ok(
    subject: str, prop: str, known: tuple[dict[str, bool], dict[str, bool]]
) -> bool:
    """pyld keeps a quad only for absolute subject and property IRIs, no blank-node property.

    ``known`` caches the answers: (subjects, properties).
    """
    subjects, properties = known
    subject_ok = subjects.get(subject)
    if subject_ok is None:
        subject_ok = subjects[subject] = _is_absolute(subject)
    prop_ok = properties.get(prop)
    if prop_ok is None:
        prop_ok = properties[prop] = _is_absolute(prop) and not prop.startswith("_:")
    return subject_ok and prop_ok


def _node_term(ident: str) -> str | None:
    """A node identifier as an N-Quads term; None for a relative IRI, which pyld drops."""
    if ident.startswith("_:"):
        return ident
    return f"<{ident}>" if _is_absolute(ident) else None


def _canonical_double(value: float) -> str:
    return jsonld._canonicalize_double(value)


def literal_term(item: dict[str, Any]) -> str:
    """The N-Quads form of an expanded value object, as pyld's ``_object_to_rdf`` makes it."""
    value = item["@value"]
    datatype = item.get("@type")
    language = None
    if type(value) is str and datatype != XSD_DOUBLE and datatype != "@json":
        # the common case, answered without pyld's numeric type checks
        if "@language" in item and datatype is None:
            language = item["@language"]
            return '"' + escape(value) + ('"@' + language if language else '"')
        if datatype is None or datatype == XSD_STRING:
            return '"' + escape(value) + '"'
        return '"' + escape(value) + '"^^<' + datatype + ">"
    if datatype == "@json":
        text = jsonld.canonicalize(value).decode("utf-8")
        datatype = RDF_JSON
    elif isinstance(value, bool):
        text = "true" if value else "false"
        datatype = datatype or XSD_BOOLEAN
    elif jsonld._is_double(value):
        text = _canonical_double(value)
        datatype = datatype or XSD_DOUBLE
    elif datatype == XSD_DOUBLE:
        try:
            text = _canonical_double(float(value))
        except (ValueError, TypeError):
            text = value
    elif jsonld._is_integer(value) and abs(value) >= 1e21:
        text = _canonical_double(value)
        datatype = datatype or XSD_DOUBLE
    elif jsonld._is_integer(value):
        text = str(int(value))
        datatype = datatype or XSD_INTEGER
    elif "@language" in item:
        text = value
        datatype = datatype or RDF_LANGSTRING
        language = item["@language"]
    else:
        text = value
        datatype = datatype or XSD_STRING
    if not isinstance(text, str):
        raise InvalidJsonLd(f"a literal value must be a string, number or boolean: {value!r}")
    term = '"' + escape(text) + '"'
    if datatype == RDF_LANGSTRING:
        if language:
            term += "@" + language
    elif datatype != XSD_STRING:
        term += "^^<" + datatype + ">"
    return term


def _value_key(item: dict[str, Any]) -> tuple:
    """What pyld's ``compare_values`` treats as equal value objects."""
    value = item["@value"]
    if isinstance(value, dict | list):
        value = jsonld.canonicalize(value)
    return (
        "@value",
        isinstance(value, bool),
        value,
        item.get("@type"),
        item.get("@language"),
        item.get("@index"),
    )


class QuadBuilder:
    """Collects the deduplicated quads of one expanded document."""

    def __init__(self, meter: Meter) -> None:
        self._meter = meter
        self._labels: dict[str, str] = {}
        self._blank_count = 0
        self._seen: set[tuple] = set()
        self._node_index: dict[tuple[str, str], Any] = {}
        self._subject_property_ok: tuple[dict[str, bool], dict[str, bool]] = ({}, {})
        self._max_quads = meter.budget.max_quads
        self.quads: list[Quad] = []

    # -- identifiers ---------------------------------------------------------------------
    def _blank(self, label: str | None = None) -> str:
        if label is not None:
            issued = self._labels.get(label)
            if issued is not None:
                return issued
        issued = f"_:b{self._blank_count}"
        self._blank_count += 1
        self._meter.check_blank_nodes(self._blank_count)
        if label is not None:
            self._labels[label] = issued
        return issued

    @property
    def blank_node_count(self) -> int:
        return self._blank_count

    # -- emitting ------------------------------------------------------------------------
    def _emit(self, subject: str, predicate: str, obj: str, graph: str) -> None:
        """Append a quad; all three terms and the graph are already in N-Quads form."""
        quads = self.quads
        quads.append((subject, predicate, obj, graph))
        count = len(quads)
        if count % _CHECK_EVERY == 0:
            self._meter.check_time("RDF conversion")
        if count > self._max_quads:
            self._meter.check_quads(count)

    def _graph_term(self, graph: str) -> str | None:
        """The N-Quads form of a graph name, None when pyld drops the graph (relative IRI)."""
        if graph == DEFAULT_GRAPH:
            return DEFAULT_GRAPH
        if graph.startswith("_:"):
            return graph
        return f"<{graph}>" if _is_absolute(graph) else None

    def _values(self, graph: str, subject: str, prop: str, objects: list[Any]) -> None:
        """The values of one property of one node. Value objects and node objects (the bulk
        of a credential) are handled here; lists and blank-node datatypes go through
        :meth:`_element`."""
        seen = self._seen
        graph_term = self._graph_term(graph)
        emit = graph_term is not None and _subject_and_property_ok(
            subject, prop, self._subject_property_ok
        )
        subject_term = self._subject_term(subject)
        predicate_term = "<" + prop + ">"
        for item in objects:
            if "@value" in item:
                datatype = item.get("@type")
                if isinstance(datatype, str) and datatype.startswith("_:"):
                    self._element(item, graph, subject, prop, None)
                    continue
                dedupe = (graph, subject, prop, _value_key(item))
                if dedupe in seen:
                    continue
                seen.add(dedupe)
                if emit:
                    self._emit(subject_term, predicate_term, literal_term(item), graph_term)
            elif "@list" in item:
                self._element(item, graph, subject, prop, None)
            else:
                child = self._node(item, graph, None, None, None)
                dedupe = (graph, subject, prop, ("@id", child))
                if dedupe in seen:
                    continue
                seen.add(dedupe)
                if emit:
                    obj = _node_term(child)
                    if obj is not None:
                        self._emit(subject_term, predicate_term, obj, graph_term)

    @staticmethod
    def _subject_term(subject: str) -> str:
        return subject if subject.startswith("_:") else f"<{subject}>"

    def _add(self, graph: str, subject: str, prop: str, key: tuple, obj_term_fn) -> None:
        """Add one value of ``prop`` to ``subject`` unless pyld's node map already has it."""
        dedupe = (graph, subject, prop, key)
        if dedupe in self._seen:
            return
        self._seen.add(dedupe)
        self._to_quad(graph, subject, prop, obj_term_fn)

    def _to_quad(self, graph: str, subject: str, prop: str, obj_term_fn) -> None:
        graph_term = self._graph_term(graph)
        if graph_term is None:
            return
        if not _subject_and_property_ok(subject, prop, self._subject_property_ok):
            return
        obj = obj_term_fn()
        if obj is not None:
            self._emit(self._subject_term(subject), f"<{prop}>", obj, graph_term)

    def _object_term(self, item: Any, graph: str) -> str | None:
        """An expanded value, node reference or list as an N-Quads object term."""
        if "@value" in item:
            return literal_term(item)
        if "@list" in item:
            return self._list_term(item["@list"], graph)
        return _node_term(item["@id"])

    def _list_term(self, items: list[Any], graph: str) -> str:
        """Emit an rdf:first/rdf:rest chain (as pyld's ``_list_to_rdf``); return its head."""
        if not items:
            return RDF_NIL
        graph_term = self._graph_term(graph)
        nodes = [self._blank() for _ in items]
        for index, item in enumerate(items):
            obj = self._object_term(item, graph)
            if obj is None:
                raise InvalidJsonLd("a list item is a relative IRI, which RDF cannot express")
            rest = nodes[index + 1] if index + 1 < len(nodes) else RDF_NIL
            if graph_term is not None:
                self._emit(nodes[index], RDF_FIRST, obj, graph_term)
                self._emit(nodes[index], RDF_REST, rest, graph_term)
        return nodes[0]

    # -- the node map walk ---------------------------------------------------------------
    def add_document(self, expanded: list[Any]) -> None:
        for element in expanded:
            self._element(element, DEFAULT_GRAPH, None, None, None)

    def _element(
        self,
        element: Any,
        graph: str,
        subject: str | None,
        prop: str | None,
        list_items: list[Any] | None,
    ) -> None:
        """One step of pyld's ``_create_node_map``, emitting quads instead of filling a map.

        ``list_items`` collects the items of an enclosing @list (converted when the list is
        complete); otherwise the element becomes a value of ``prop`` on ``subject``.
        """
        if isinstance(element, list):
            for item in element:
                self._element(item, graph, subject, prop, list_items)
            return
        if "@value" in element:
            item = element
            datatype = element.get("@type")
            if isinstance(datatype, str) and datatype.startswith("_:"):
                item = {**element, "@type": self._blank(datatype)}
            if list_items is not None:
                list_items.append(item)
            elif subject is not None:
                self._add(graph, subject, prop, _value_key(item), lambda: literal_term(item))
            return
        if "@list" in element:
            collected: list[Any] = []
            self._element(element["@list"], graph, subject, prop, collected)
            if list_items is not None:
                list_items.append({"@list": collected})
            elif subject is not None:
                self._to_quad(graph, subject, prop, lambda: self._list_term(collected, graph))
            return
        self._node(element, graph, subject, prop, list_items)

    def _node(
        self,
        element: dict[str, Any],
        graph: str,
        subject: str | None,
        prop: str | None,
        list_items: list[Any] | None,
        reverse_of: str | None = None,
    ) -> str:
        """A node object: link it from ``subject`` (or to ``reverse_of``), then its entries.

        Returns the node's identifier (blank node labels already issued)."""
        ident = element.get("@id")
        if ident is None or str(ident).startswith("_:"):
            ident = self._blank(ident)
        if reverse_of is not None:
            self._add(graph, ident, prop, ("@id", reverse_of), lambda: _node_term(reverse_of))
        elif prop is not None:
            if list_items is not None:
                list_items.append({"@id": ident})
            elif subject is not None:
                self._add(graph, subject, prop, ("@id", ident), lambda: _node_term(ident))
        for key, objects in element.items():
            if key == "@id":
                continue
            if key == "@type":
                for type_ in objects:
                    if type_.startswith("_:"):
                        type_ = self._blank(type_)
                    self._add(
                        graph, ident, RDF_TYPE_IRI, ("@type", type_), lambda t=type_: _node_term(t)
                    )
            elif key == "@reverse":
                for reverse_prop, items in objects.items():
                    for item in items:
                        self._node(item, graph, None, reverse_prop, None, reverse_of=ident)
            elif key == "@graph":
                self._element(objects, ident, None, None, None)
            elif key == "@included":
                self._element(objects, graph, None, None, None)
            elif key.startswith("@"):
                self._keyword(key, objects, graph, ident)
            else:
                if key.startswith("_:"):
                    key = self._blank(key)
                self._values(graph, ident, key, objects)
        return ident

    def _keyword(self, key: str, value: Any, graph: str, ident: str) -> None:
        """Other keywords are copied onto the node by pyld; only a clash of @index matters."""
        if key != "@index":
            return
        known = self._node_index.setdefault((graph, ident), value)
        if known != value:
            raise InvalidJsonLd("conflicting @index values for one node")
