"""JSON-LD expansion for canonicalization: pyld's own algorithm, with processed contexts reused.

Profiling ``pyld.jsonld.normalize`` on an OB 3.0 credential shows about 80% of the time in
context processing: pyld caches *resolved* context documents, but re-runs the processing of the
VC and OB contexts and of every property- and type-scoped context for each node object (and
serializes each scoped context with JCS to build a cache key). Processing is a pure function of
(active context, local context, flags), so :class:`_MemoProcessor` remembers its result and
hands back the very same active-context object next time; expansion itself stays pyld's, which
keeps the output identical for every JSON-LD construct (``@protected``, type-scoped contexts
with ``@propagate: false``, ``@graph`` containers, ``@nest``, lists, ...).

pyld expansion cannot be interrupted from outside, so it is bounded before it starts
(:func:`check_document_size`) and checked for time at every recursive step.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from schemas._canon_budget import CanonicalizationTooComplex, InvalidJsonLd, Meter
from schemas._canon_fastexpand import FastExpander, Unsupported
from schemas.loader import ContextNotPinned, document_loader

_MEMO_SIZE = 512
_EXPANDED_SIZE = 64


class _ContextMemo:
    """LRU memo of processed active contexts, keyed by object identity.

    Entries hold the key objects themselves, so an ``id()`` in a live key cannot be reused by
    another object. Local contexts that are objects (inline or scoped contexts) are keyed by
    their JSON text, computed once per object; the objects inside pinned contexts live as long
    as the pinned contexts, so their keys stay hot.
    """

    def __init__(self, size: int = _MEMO_SIZE) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._processed: OrderedDict[tuple, tuple[Any, Any, Any]] = OrderedDict()
        self._object_keys: OrderedDict[int, tuple[Any, str]] = OrderedDict()

    def local_key(self, local_ctx: Any) -> Any:
        if isinstance(local_ctx, str):
            return local_ctx
        if isinstance(local_ctx, list) and all(isinstance(item, str) for item in local_ctx):
            return tuple(local_ctx)
        with self._lock:
            known = self._object_keys.get(id(local_ctx))
            if known is not None and known[0] is local_ctx:
                self._object_keys.move_to_end(id(local_ctx))
                return known[1]
        try:
            text = json.dumps(local_ctx, sort_keys=True, ensure_ascii=False)
        except (TypeError, ValueError):
            return None
        with self._lock:
            self._object_keys[id(local_ctx)] = (local_ctx, text)
            if len(self._object_keys) > self._size:
                self._object_keys.popitem(last=False)
        return text

    def get(self, key: tuple) -> Any:
        with self._lock:
            entry = self._processed.get(key)
            if entry is None:
                return None
            self._processed.move_to_end(key)
            return entry[2]

    def put(self, key: tuple, active_ctx: Any, local_ctx: Any, result: Any) -> None:
        with self._lock:
            self._processed[key] = (active_ctx, local_ctx, result)
            if len(self._processed) > self._size:
                self._processed.popitem(last=False)


_MEMO = _ContextMemo()


class MemoizedContexts:
    """Mixin for a ``pyld.jsonld.JsonLdProcessor`` subclass: context processing memoized in the
    module's LRU (shared by canonicalization and the JSON-LD safe-mode inspection, so each
    pinned and scoped context is processed once per process, not once per node object)."""

    def _process_context(
        self,
        active_ctx,
        local_ctx,
        options,
        override_protected=False,
        propagate=True,
        validate_scoped=True,
        cycles=None,
    ):
        local_key = None if cycles is not None else _MEMO.local_key(local_ctx)
        if local_key is None:
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected=override_protected,
                propagate=propagate,
                validate_scoped=validate_scoped,
                cycles=cycles,
            )
        key = (id(active_ctx), local_key, override_protected, propagate, validate_scoped)
        processed = _MEMO.get(key)
        if processed is None:
            processed = super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected=override_protected,
                propagate=propagate,
                validate_scoped=validate_scoped,
            )
            _MEMO.put(key, active_ctx, local_ctx, processed)
        return processed


class _MemoProcessor(MemoizedContexts, jsonld.JsonLdProcessor):
    """pyld's processor with memoized context processing and a time check per expansion step.

    One instance per call: it carries that call's :class:`Meter`.
    """

    def __init__(self, meter: Meter) -> None:
        super().__init__()
        self._meter = meter

    def _expand(self, *args, **kwargs):
        self._meter.check_time("JSON-LD expansion")
        return super()._expand(*args, **kwargs)


def document_key(document: Any) -> bytes | None:
    """SHA-256 of ``document``'s key-sorted JSON, of which its expansion (under the pinned
    contexts) is a pure function; None for anything JSON cannot write (NaN, cycles, ...)."""
    try:
        text = json.dumps(document, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class _Expansions:
    """The last :data:`_EXPANDED_SIZE` expansions handed over by the JSON-LD safe-mode
    inspection (which expands with the same fast expander), by :func:`document_key`: verifying
    a credential, safe mode expands the document and the proof configuration, and the proof
    check canonicalizes the same views, which then skip their expansion."""

    def __init__(self, size: int = _EXPANDED_SIZE) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[bytes, list[Any]] = OrderedDict()

    def put(self, key: bytes, expanded: list[Any]) -> None:
        with self._lock:
            self._entries[key] = expanded
            self._entries.move_to_end(key)
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def get(self, document: dict[str, Any]) -> list[Any] | None:
        if not self._entries:  # nothing handed over (a signing process): no key computed
            return None
        key = document_key(document)
        with self._lock:
            expanded = self._entries.get(key) if key is not None else None
            if expanded is not None:
                self._entries.move_to_end(key)
            return expanded


_EXPANSIONS = _Expansions()


def remember_expansion(key: bytes, expanded: list[Any]) -> None:
    """Keep ``expanded``, the expansion of the document whose :func:`document_key` is ``key``
    made by a :class:`FastExpander`, for the next canonicalization of that document. Neither
    the caller nor the canonicalizer changes it afterwards (the quads are built from it)."""
    _EXPANSIONS.put(key, expanded)


def check_document_size(document: Any, meter: Meter) -> None:
    """Refuse documents too big or too deep to expand within the budget, before expanding.

    Counts every object, array and scalar, inline ``@context`` definitions included (a large
    inline context is work for context processing, which runs before any quad exists).
    """
    budget = meter.budget
    limit, max_depth = budget.max_json_values, budget.max_depth
    count = 0
    level: list[Any] = [document]
    depth = 0
    while level:  # breadth first, one list per nesting level
        depth += 1
        if depth > max_depth:
            raise CanonicalizationTooComplex(
                f"too complex: JSON nested deeper than max_depth={max_depth}"
            )
        count += len(level)
        if count > limit:
            raise CanonicalizationTooComplex(
                f"too complex: more than max_json_values={limit} JSON values"
            )
        below: list[Any] = []
        for value in level:
            if type(value) is dict:
                below.extend(value.values())
            elif type(value) is list:
                below.extend(value)
        level = below


def _unpinned_cause(error: BaseException) -> ContextNotPinned | None:
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ContextNotPinned):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _options() -> dict[str, Any]:
    """The options ``pyld.jsonld.normalize`` passes down to expansion."""
    return {
        "base": "",
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(jsonld._resolved_context_cache, document_loader),
        "extractAllScripts": True,
        "processingMode": "json-ld-1.1",
        "isFrame": False,
        "keepFreeFloatingNodes": False,
    }


def context_processing(meter: Meter) -> tuple[Callable[..., Any], dict[str, Any]]:
    """pyld's (memoized) context processing for a :class:`FastExpander`, and the initial
    active context: ``(process_context(active, local, *, override_protected, propagate),
    initial_ctx)``, with the options ``pyld.jsonld.normalize`` uses."""
    options = _options()
    processor = _MemoProcessor(meter)

    def process_context(active_ctx, local_ctx, *, override_protected=False, propagate=True):
        return processor._process_context(
            active_ctx,
            local_ctx,
            options,
            override_protected=override_protected,
            propagate=propagate,
        )

    return process_context, processor._get_initial_context(options)


def expand_fast(document: dict[str, Any], meter: Meter) -> list[Any]:
    """The streamlined expansion; raises Unsupported when pyld's full algorithm is needed."""
    process_context, initial_ctx = context_processing(meter)
    return FastExpander(process_context, meter).expand_document(document, initial_ctx)


def expand(document: dict[str, Any], meter: Meter) -> list[Any]:
    """Expand ``document`` exactly as ``pyld.jsonld.normalize`` does before converting to RDF.

    Raises ContextNotPinned for a context URL outside the pinned set, InvalidJsonLd for
    anything pyld rejects, CanonicalizationTooComplex when the budget runs out.
    """
    if not isinstance(document, dict):
        raise InvalidJsonLd(f"a JSON-LD document must be a JSON object, not {type(document)}")
    check_document_size(document, meter)
    remembered = _EXPANSIONS.get(document)
    if remembered is not None:
        return remembered
    try:
        try:
            return expand_fast(document, meter)
        except Unsupported:
            return _MemoProcessor(meter).expand(document, _options())
    except CanonicalizationTooComplex:
        raise
    except jsonld.JsonLdError as error:
        unpinned = _unpinned_cause(error)
        if unpinned is not None:
            raise unpinned from None
        message = error.args[0] if error.args else type(error).__name__
        raise InvalidJsonLd(f"not valid JSON-LD ({error.code or error.type}): {message}") from error
    except RecursionError as error:
        raise CanonicalizationTooComplex("too complex: JSON-LD nested too deeply") from error
