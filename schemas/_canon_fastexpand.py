"""A streamlined JSON-LD expansion for the constructs credentials use; anything else falls back.

This is pyld 3.3.0's expansion algorithm (``JsonLdProcessor._expand``, ``_expand_object``,
``_expand_value``, ``_expand_iri``) restricted to node objects, value objects, ``@context``,
``@id``, ``@type``, ``@value``, ``@language``, and the ``@set``, ``@list`` and ``@graph``
containers, with the same context handling: property-scoped contexts, type-scoped contexts that
do not propagate (reverting to the previous context when entering a new node object), and
``@protected`` terms, all enforced by pyld's own context processing, which is called through
the memoizing processor. It skips what pyld spends time on for every document (deep-copying
the input, regular expressions on every key, generic ``add_value`` bookkeeping).

Whenever the document uses something outside that subset (``@reverse``, ``@nest``,
``@included``, ``@index``, ``@direction``, ``"@type": "@json"`` in value objects (``@json``
terms are handled), language/index/id/type maps,
nested lists, ``@base``), or would make pyld raise an error, :class:`Unsupported` is raised and
the caller runs pyld's full expansion instead, so results and errors stay pyld's. The tests
compare this module's output with ``pyld.jsonld.expand`` directly.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any, NamedTuple

from pyld.iri_resolver import resolve
from pyld.jsonld import DEFAULT_BASE_IRI, KEYWORDS

from schemas._canon_budget import Meter

_KEYWORDS = frozenset(KEYWORDS)
_KEYWORD_LIKE = re.compile(r"^@[a-zA-Z]+$")
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_HANDLED_KEYWORDS = frozenset({"@id", "@type", "@value", "@language"})
_MAP_CONTAINERS = frozenset({"@language", "@index", "@id", "@type"})
_CHECK_EVERY = 64


class Unsupported(Exception):
    """The document needs a JSON-LD feature this module leaves to pyld."""


class _Term(NamedTuple):
    """What expansion needs to know about a key in an active context (``None``: not set)."""

    expanded: Any
    kept: bool  # expands to a keyword or an absolute IRI (other keys are dropped)
    context: Any
    container: tuple[Any, ...]
    type: Any
    language: Any
    direction: Any


_NO_TERM = _Term(None, False, None, (), None, None, None)


class _TermCache:
    """Per active context, the _Term of each key seen so far, kept across calls.

    Active contexts are long-lived (the memoizing processor hands out the same objects), so
    after the first few credentials every lookup is a dictionary hit. Bounded: at most
    ``contexts`` contexts (least recently used dropped) and ``keys`` keys per context (keys
    come from documents; past the cap they are computed, not stored).
    """

    def __init__(self, contexts: int = 512, keys: int = 2048) -> None:
        self.keys = keys
        self._contexts = contexts
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, tuple[dict[str, Any], dict[str, _Term]]] = OrderedDict()

    def for_context(self, ctx: dict[str, Any]) -> dict[str, _Term]:
        with self._lock:
            entry = self._entries.get(id(ctx))
            if entry is not None and entry[0] is ctx:
                self._entries.move_to_end(id(ctx))
                return entry[1]
            terms: dict[str, _Term] = {}
            self._entries[id(ctx)] = (ctx, terms)  # holding ctx keeps its id unique
            if len(self._entries) > self._contexts:
                self._entries.popitem(last=False)
            return terms


_TERMS = _TermCache()


def _arrayify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _context_value(ctx: dict[str, Any], key: str | None, kind: str) -> Any:
    """pyld's ``get_context_value``: a term definition entry, with the context's defaults."""
    if key is None:
        return None
    value = ctx.get(kind) if kind in ("@language", "@direction") else None
    mappings = ctx["mappings"]
    if key in mappings:
        entry = mappings[key]
        if entry is None:
            return None
        if kind in entry:
            value = entry[kind]
    return value


class FastExpander:
    """Expands one document; ``process_context(active, local, **flags)`` is pyld's (memoized)."""

    def __init__(self, process_context, meter: Meter) -> None:
        self._process_shared = process_context
        # (id(active), id(local), flags) -> (active, local, processed), for this call only
        self._processed: dict[tuple[int, int, bool, bool], tuple[Any, Any, Any]] = {}
        self._meter = meter
        self._steps = 0
        # id(ctx) -> (ctx, its shared term dictionary), to take the cache's lock once per
        # context per call; holding ctx keeps its id from being reused during the call
        self._terms: dict[int, tuple[dict[str, Any], dict[str, _Term]]] = {}
        self._last_ctx: dict[str, Any] | None = None
        self._last_terms: dict[str, _Term] = {}

    def _process(
        self, ctx: dict[str, Any], local: Any, *, override_protected=False, propagate=True
    ) -> dict[str, Any]:
        key = (id(ctx), id(local), override_protected, propagate)
        known = self._processed.get(key)
        if known is not None and known[0] is ctx and known[1] is local:
            return known[2]
        processed = self._process_shared(
            ctx, local, override_protected=override_protected, propagate=propagate
        )
        self._processed[key] = (ctx, local, processed)
        return processed

    # -- IRIs ----------------------------------------------------------------------------
    def _iri(self, ctx: dict[str, Any], value: Any, *, vocab: bool, base: bool) -> Any:
        """pyld's ``_expand_iri`` without a local context; ``base`` means base ''."""
        if value is None or not isinstance(value, str) or value in _KEYWORDS:
            return value
        if _KEYWORD_LIKE.match(value):
            return None
        mappings = ctx["mappings"]
        if vocab and value in mappings:
            mapping = mappings[value]
            return None if mapping is None else mapping["@id"]
        colon = value.find(":")
        if colon > 0:
            prefix, suffix = value.split(":", 1)
            if prefix == "_" or suffix.startswith("//"):
                return value
            mapping = mappings.get(prefix)
            if mapping and mapping["_prefix"]:
                return mapping["@id"] + suffix
            if _ABSOLUTE_IRI.match(value):
                return value
        if vocab and "@vocab" in ctx:
            return ctx["@vocab"] + value
        if not base:
            return value
        if "@base" in ctx:
            raise Unsupported("@base")
        return resolve(value, DEFAULT_BASE_IRI)

    def _vocab(self, ctx: dict[str, Any], key: Any) -> Any:
        if not isinstance(key, str):
            return self._iri(ctx, key, vocab=True, base=False)
        return self._term(ctx, key).expanded

    def _term(self, ctx: dict[str, Any], key: str | None) -> _Term:
        if key is None:
            return _NO_TERM
        if ctx is self._last_ctx:  # consecutive lookups mostly share a context
            terms = self._last_terms
        else:
            entry = self._terms.get(id(ctx))
            if entry is None or entry[0] is not ctx:
                entry = self._terms[id(ctx)] = (ctx, _TERMS.for_context(ctx))
            terms = entry[1]
            self._last_ctx, self._last_terms = ctx, terms
        term = terms.get(key)
        if term is not None:
            return term
        container = _context_value(ctx, key, "@container")
        expanded = self._iri(ctx, key, vocab=True, base=False)
        term = _Term(
            expanded=expanded,
            kept=expanded is not None
            and (expanded in _KEYWORDS or _ABSOLUTE_IRI.match(expanded) is not None),
            context=_context_value(ctx, key, "@context"),
            container=() if container is None else tuple(_arrayify(container)),
            type=_context_value(ctx, key, "@type"),
            language=_context_value(ctx, key, "@language"),
            direction=_context_value(ctx, key, "@direction"),
        )
        if len(terms) < _TERMS.keys:
            terms[key] = term
        return term

    # -- expansion -----------------------------------------------------------------------
    def expand_document(self, document: dict[str, Any], initial_ctx: dict[str, Any]) -> list:
        expanded = self._expand(initial_ctx, None, document, inside_list=False)
        if isinstance(expanded, dict) and "@graph" in expanded:
            raise Unsupported("@graph")
        if expanded is None:
            return []
        return _arrayify(expanded)

    def _expand(
        self,
        ctx: dict[str, Any],
        prop: str | None,
        element: Any,
        inside_list: bool,
        term: _Term | None = None,
    ):
        """``term`` is ``prop``'s term in ``ctx`` when the caller already has it."""
        self._steps += 1
        if self._steps % _CHECK_EVERY == 0:
            self._meter.check_time("JSON-LD expansion")
        if element is None:
            return None
        if term is None:
            term = self._term(ctx, prop)
        if isinstance(element, list):
            inside_list = inside_list or "@list" in term.container
            result: list[Any] = []
            for item in element:
                item = self._expand(ctx, prop, item, inside_list, term)
                if item is None:
                    continue
                if isinstance(item, list):
                    if inside_list:
                        raise Unsupported("list of lists")
                    result.extend(item)
                else:
                    result.append(item)
            return result
        if not isinstance(element, dict):
            if not inside_list and (prop is None or term.expanded == "@graph"):
                return None
            return self._expand_value(ctx, element, term)
        return self._expand_map(ctx, prop, element, inside_list, term)

    def _expand_map(
        self,
        ctx: dict[str, Any],
        prop: str | None,
        element: dict[str, Any],
        inside_list: bool,
        term: _Term,
    ):
        expanded_prop = term.expanded
        property_scoped = term.context

        # a type-scoped context does not reach into a new node object (only values and
        # references are still expanded with it)
        type_scoped: dict[str, Any] | None = ctx if ctx.get("previousContext") else None
        must_revert = True
        if type_scoped and len(element) <= 2 and "@context" not in element:
            for key in sorted(element):
                expanded_key = self._vocab(type_scoped, key)
                if expanded_key == "@value":
                    must_revert = False
                    ctx = type_scoped
                    break
                if expanded_key == "@id" and len(element) == 1:
                    must_revert = False
                    break
        if must_revert and "previousContext" in ctx:
            ctx = ctx["previousContext"]
        if property_scoped is not None:
            ctx = self._process(ctx, property_scoped, override_protected=True)

        if "@context" in element:
            local = element["@context"]
            if isinstance(local, dict) and len(local) == 1 and "@context" in local:
                raise Unsupported("@context inside @context")
            ctx = self._process(ctx, local)
        type_scoped_ctx = ctx
        type_key = None
        type_keys = [key for key in element if self._vocab(ctx, key) == "@type"]
        if type_keys:
            type_keys.sort()
            type_key = type_keys[0]
            for key in type_keys:
                for type_ in sorted(t for t in _arrayify(element[key]) if isinstance(t, str)):
                    scoped = self._term(type_scoped_ctx, type_).context
                    if scoped is not None and scoped is not False:
                        ctx = self._process(ctx, scoped, propagate=False)

        result: dict[str, Any] = {}
        self._expand_entries(ctx, expanded_prop, element, result, type_key, type_scoped_ctx)
        if "@value" in result and any(
            isinstance(value, list) and self._vocab(ctx, key) == "@type"
            for key, value in element.items()
        ):
            raise Unsupported("value object with an array @type")
        return self._finish(result, prop, expanded_prop, inside_list)

    def _expand_entries(
        self,
        ctx: dict[str, Any],
        expanded_prop: Any,
        element: dict[str, Any],
        result: dict[str, Any],
        type_key: str | None,
        type_scoped_ctx: dict[str, Any],
    ) -> None:
        if type_key is not None:
            first = element[type_key]
            if isinstance(first, list) and first:
                first = first[0]
            if self._vocab(ctx, first) == "@json":
                raise Unsupported("@json value object")
        for key, value in sorted(element.items()):
            if key == "@context":
                continue
            term = self._term(ctx, key)
            expanded = term.expanded
            if not term.kept:
                continue
            if expanded in _KEYWORDS:
                if expanded not in _HANDLED_KEYWORDS or expanded_prop == "@reverse":
                    raise Unsupported(expanded)
                if expanded in result and expanded != "@type":
                    raise Unsupported("colliding keywords")
                self._keyword_entry(ctx, expanded, value, result, type_scoped_ctx)
                continue

            term_ctx = ctx
            if term.context is not None:
                term_ctx = self._process(ctx, term.context, override_protected=True)
            container = term.container
            if isinstance(value, dict) and not _MAP_CONTAINERS.isdisjoint(container):
                raise Unsupported("map container")
            if term.type == "@json":
                expanded_value = {"@type": "@json", "@value": value}
            else:
                expanded_value = self._expand(
                    term_ctx, key, value, False, term if term_ctx is ctx else None
                )
            if expanded_value is None:
                continue
            if "@list" in container and not (
                isinstance(expanded_value, dict) and "@list" in expanded_value
            ):
                expanded_value = {"@list": _arrayify(expanded_value)}
            if "@graph" in container:
                if "@id" in container or "@index" in container:
                    raise Unsupported("graph map container")
                expanded_value = [{"@graph": [item]} for item in _arrayify(expanded_value)]
            mapping = term_ctx["mappings"].get(key)
            if mapping and mapping["reverse"]:
                raise Unsupported("@reverse term")
            values = result.setdefault(expanded, [])
            if isinstance(expanded_value, list):
                values.extend(expanded_value)
            else:
                values.append(expanded_value)

    def _keyword_entry(
        self,
        ctx: dict[str, Any],
        keyword: str,
        value: Any,
        result: dict[str, Any],
        type_scoped_ctx: dict[str, Any],
    ) -> None:
        if keyword == "@id":
            if not isinstance(value, str):
                raise Unsupported("@id not a string")
            result["@id"] = self._iri(ctx, value, vocab=False, base=True)
        elif keyword == "@type":
            values = _arrayify(value)
            if not all(isinstance(item, str) for item in values):
                raise Unsupported("@type not strings")
            expanded = [self._iri(type_scoped_ctx, item, vocab=True, base=True) for item in values]
            if any(item is None for item in expanded):
                raise Unsupported("@type term mapped to null")
            if expanded:
                result.setdefault("@type", []).extend(expanded)
        elif keyword == "@value":
            if isinstance(value, dict | list):
                raise Unsupported("@value object or array")
            result["@value"] = value
        elif value is not None:  # @language; null is dropped
            if not isinstance(value, str):
                raise Unsupported("@language not a string")
            result["@language"] = value.lower()

    def _finish(
        self, result: dict[str, Any], prop: str | None, expanded_prop: Any, inside_list: bool
    ):
        """pyld's checks and clean-ups after expanding an object's entries."""
        count = len(result)
        if "@value" in result:
            types = result.get("@type")
            if types is not None:
                if "@language" in result or len(types) != 1:
                    raise Unsupported("invalid value object")
                result["@type"] = types[0]
                if not (_ABSOLUTE_IRI.match(types[0]) and not types[0].startswith("_:")):
                    raise Unsupported("value object @type not an absolute IRI")
            if count - 1 - ("@type" in result) - ("@language" in result) != 0:
                raise Unsupported("invalid value object")
            if result["@value"] is None:
                return None
            if "@language" in result and not isinstance(result["@value"], str):
                raise Unsupported("language-tagged non-string")
        elif count == 1 and "@language" in result:
            return None
        elif "@language" in result:
            raise Unsupported("@language on a node object")
        if (
            not inside_list
            and (prop is None or expanded_prop == "@graph")
            and (
                count == 0
                or "@value" in result
                or "@list" in result
                or (count == 1 and "@id" in result)
            )
        ):
            return None
        return result

    def _expand_value(self, ctx: dict[str, Any], value: Any, term: _Term):
        """pyld's ``_expand_value`` for a scalar under the property whose term is ``term``."""
        if term.expanded in _KEYWORDS:
            raise Unsupported("scalar under a keyword")
        if not isinstance(value, str | int | float):
            raise Unsupported("not a JSON scalar")
        type_ = term.type
        if isinstance(value, str):
            if type_ == "@id":
                return {"@id": self._iri(ctx, value, vocab=False, base=True)}
            if type_ == "@vocab":
                return {"@id": self._iri(ctx, value, vocab=True, base=True)}
        result: dict[str, Any] = {}
        if type_ is not None and type_ not in ("@id", "@vocab", "@none"):
            result["@type"] = type_
        elif isinstance(value, str):
            language = term.language
            if language is not None:
                result["@language"] = language
            if term.direction is not None:
                raise Unsupported("@direction")
        result["@value"] = value
        return result
