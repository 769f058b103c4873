"""JSON-LD "safe mode" and "read what was signed" checks for credentials, with input paths.

A Data Integrity signature covers the document's *meaning* (its RDF), not its JSON. So:

- anything JSON-LD expansion silently drops, or turns into a relative IRI, is unsigned text that
  a JSON reader still sees (OB 1.4.3 / VC DM 2.0 §4.1: every property and type must be
  defined by the contexts; a verifier must not add or accept ``@vocab`` fall-backs such as
  ``https://www.w3.org/ns/credentials/undefined-terms/v2``);
- a property spelled as a full or compact IRI (``cred:validUntil``) instead of the context's
  term (``validUntil``) is signed, but code reading ``credential["validUntil"]`` misses it.

pyld 3.3.0 has no safe mode, and its ``on_property_dropped`` hook misses relative ``@id`` and
``@type`` values and terms defined only by ``@vocab``. So at every object an expansion expands,
we inspect each key and value with *the active context the expansion computed there*
(property-scoped, type-scoped and embedded contexts included): a key that is not a term of that
context is not compact (``check_compact_form``); a key or type that does not expand to an
absolute IRI, or only does through ``@vocab``, is unsafe (``check_safe_mode``). Paths are
tracked by object identity. A final walk over the expanded output catches any relative IRI the
per-object inspection missed.

The expansion is the canonicalizer's fast one (``schemas._canon_fastexpand``, with the same
memoized contexts), which leaves every construct outside what credentials use, and every error,
to pyld: then the same checks run on pyld's own expansion (a subclass of its processor, relying
on its private ``_expand_object``/``_expand_iri``, which is why ``pyld`` is pinned to 3.3.0), so
its verdicts and error messages stay pyld's. ``tests/schemas/test_safe_mode_fast_path.py``
compares the two inspections on the corpus and on generated mutations of credentials.

Contexts are never fetched: only ``schemas.loader``'s pinned URLs are accepted; a document
naming any other context is reported and not expanded.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyld.jsonld import DEFAULT_BASE_IRI, KEYWORDS, JsonLdProcessor

from schemas._canon_expand import (
    MemoizedContexts,
    context_processing,
    document_key,
    remember_expansion,
)
from schemas._canon_fastexpand import FastExpander
from schemas.loader import document_loader, is_pinned
from schemas.validation import json_path
from schemas.work_budget import WorkBudgetSpent, charge

UNDEFINED_TERMS_CONTEXT = "https://www.w3.org/ns/credentials/undefined-terms/v2"

_KEYWORDS = frozenset(KEYWORDS)
_KEYWORD_FORM = re.compile(r"^@[a-zA-Z]+$")
# Same test as pyld's: a scheme (or "_" for blank nodes), a colon, no whitespace.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
# Keywords that move data between nodes or graphs; OB 3.0 credentials never use them.
_MOVING_KEYWORDS = frozenset({"@included", "@reverse", "@nest", "@graph"})
_CONTAINER_KEYWORDS = frozenset({"@list", "@set"})

_Path = tuple[str | int, ...]


@dataclass(frozen=True)
class SafeModeProblem:
    """One reason the document's JSON and its signed meaning may differ."""

    path: str
    message: str


class SafeModeViolation(ValueError):
    """Raised by ``require_safe_mode``; ``problems`` lists every reason."""

    def __init__(self, problems: list[SafeModeProblem]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


def check_safe_mode(document: Mapping[str, Any]) -> list[SafeModeProblem]:
    """Every construct JSON-LD safe mode rejects, sorted by path (empty: safe)."""
    inspection = _inspect(document)
    return _sorted(inspection.unsafe)


def check_compact_form(document: Mapping[str, Any]) -> list[SafeModeProblem]:
    """Every key or type not spelled as the active context's term, sorted by path.

    A document that cannot be expanded at all (unpinned context, invalid JSON-LD) yields
    those problems instead: its meaning, and so its compact form, is unknown.
    """
    inspection = _inspect(document)
    return _sorted(inspection.compact if inspection.expanded else inspection.unsafe)


def json_ld_problems(document: Mapping[str, Any]) -> list[SafeModeProblem]:
    """What both checks find, from one expansion (the verifier's hot path)."""
    inspection = _inspect_remembered(document)
    return _sorted(inspection.unsafe | inspection.compact)


def lost_in_expansion(document: Mapping[str, Any]) -> list[SafeModeProblem]:
    """What JSON-LD 1.1 safe mode itself rejects: every key or type expansion drops or leaves
    a relative IRI, every keyword-like key it ignores, and any failure to expand, sorted by path.

    Narrower than :func:`check_safe_mode`, which also refuses inline contexts, ``@vocab`` and
    ``@base`` and terms defined only through ``@vocab`` (our verifier's policy): what they
    define is signed, as absolute IRIs. This is
    the check for every view a proof hashes (the view loses nothing the JSON shows).
    """
    inspection = _inspect_remembered(document)
    return _sorted(inspection.unsafe - inspection.policy)


_MEMO_SIZE = 256
_memo: OrderedDict[bytes, _Inspection] = OrderedDict()
_memo_lock = threading.Lock()


def _inspect_remembered(document: Any) -> _Inspection:
    """``_inspect``, remembered for the last :data:`_MEMO_SIZE` documents by SHA-256 of their
    key-sorted JSON (the answer is a pure function of it): the verifier's ``json-ld`` check and
    the proof suites' check of the same hashed view expand it once. The expansions are handed
    to the canonicalizer (``schemas._canon_expand.remember_expansion``) by the same key."""
    key = document_key(document)
    if key is None:
        return _inspect(document)
    with _memo_lock:
        known = _memo.get(key)
        if known is not None:
            _memo.move_to_end(key)
            return known
    inspection = _inspect(document, key)
    with _memo_lock:
        _memo[key] = inspection
        if len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return inspection


def require_safe_mode(document: Mapping[str, Any]) -> None:
    """Raise ``SafeModeViolation`` unless the document passes both checks."""
    problems = json_ld_problems(document)
    if problems:
        raise SafeModeViolation(problems)


@dataclass
class _Inspection:
    unsafe: set[SafeModeProblem] = field(default_factory=set)
    compact: set[SafeModeProblem] = field(default_factory=set)
    # the part of ``unsafe`` that is our policy, not loss: inline contexts, @vocab
    policy: set[SafeModeProblem] = field(default_factory=set)
    expanded: bool = False

    def copy(self) -> _Inspection:
        return _Inspection(set(self.unsafe), set(self.compact), set(self.policy), self.expanded)


def _sorted(problems: Iterable[SafeModeProblem]) -> list[SafeModeProblem]:
    return sorted(problems, key=lambda p: (p.path, p.message))


def _inspect(document: Any, key: bytes | None = None) -> _Inspection:
    """Both checks' findings; ``key``, the document's ``document_key``, hands the expansion to
    the canonicalizer (with the expansion without ``proof``, the view a proof hashes)."""
    inspection = _Inspection()
    if not isinstance(document, Mapping):
        inspection.unsafe.add(SafeModeProblem("$", "a credential must be a JSON object"))
        return inspection
    loadable = _check_input(document, inspection)
    if not loadable:
        return inspection
    found = _inspect_fast(document, inspection, key)
    if found is None:
        found = _inspect_with_pyld(document, inspection)
    return found


def _inspect_fast(
    document: Mapping[str, Any], input_checks: _Inspection, key: bytes | None = None
) -> _Inspection | None:
    """The inspection on the canonicalizer's fast expander, or None when pyld must decide: the
    document uses a construct the fast expander leaves to pyld (``Unsupported``), or expansion
    failed in any way (pyld's own error message is the one reported)."""
    inspection = input_checks.copy()
    meter = _RequestBudgetOnly()
    process_context, initial_ctx = context_processing(meter)  # type: ignore[arg-type]
    expander = _FastInspector(inspection, process_context, meter)
    try:
        expanded = expander.expand_document(dict(document), initial_ctx)
    except WorkBudgetSpent:
        raise
    except Exception:  # Unsupported, invalid JSON-LD, too deep: pyld's expansion decides
        return None
    inspection.expanded = True
    _check_expanded(expanded, inspection)
    if key is not None:
        remember_expansion(key, expanded)
        unsecured_key = None if expander.unsecured is None else document_key(_unsecured(document))
        if unsecured_key is not None:
            remember_expansion(unsecured_key, expander.unsecured)
    return inspection


def _unsecured(document: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if name != "proof"}


def _inspect_with_pyld(document: Mapping[str, Any], input_checks: _Inspection) -> _Inspection:
    """The inspection on pyld's own expansion (every JSON-LD construct, pyld's errors)."""
    inspection = input_checks.copy()
    processor = _PyldInspector(inspection)
    try:
        expanded = processor.expand(
            dict(document),
            {"documentLoader": document_loader, "base": "", "processingMode": "json-ld-1.1"},
        )
    except RecursionError:
        inspection.unsafe.add(SafeModeProblem("$", "the document is nested too deeply to expand"))
        return inspection
    except Exception as error:  # pyld is not hardened: any failure is "cannot expand"
        spent = _budget_spent(error)
        if spent is not None:  # not an answer about the document: never remembered
            raise spent from None
        inspection.unsafe.add(SafeModeProblem("$", f"JSON-LD expansion failed: {_reason(error)}"))
        return inspection
    inspection.expanded = True
    _check_expanded(expanded, inspection)
    return inspection


def _budget_spent(error: BaseException) -> WorkBudgetSpent | None:
    """The request's work budget ran out somewhere in ``error``'s chain (pyld wraps it)."""
    seen = 0
    cause: BaseException | None = error
    while cause is not None and seen < 16:
        if isinstance(cause, WorkBudgetSpent):
            return cause
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return None


def _reason(error: BaseException) -> str:
    """The innermost cause: pyld wraps the loader's ContextNotPinned in JsonLdErrors."""
    seen = 0
    while error.__cause__ is not None and seen < 16:
        error = error.__cause__
        seen += 1
    code = getattr(error, "code", None)
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"{text} ({code})" if code else text


def _check_input(document: Mapping[str, Any], inspection: _Inspection) -> bool:
    """Contexts and keyword-like keys, by walking the input (explicit stack).

    Returns False if a context cannot be loaded offline (expansion would fail or fetch).
    """
    loadable = True
    stack: list[tuple[Any, _Path]] = [(document, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, list):
            stack.extend((item, (*path, i)) for i, item in enumerate(node))
            continue
        if not isinstance(node, Mapping):
            continue
        for key, value in node.items():
            key_path = (*path, key)
            if key == "@context":
                loadable &= _check_context(value, key_path, inspection)
            elif isinstance(key, str) and _KEYWORD_FORM.match(key) and key not in _KEYWORDS:
                inspection.unsafe.add(
                    SafeModeProblem(
                        json_path(key_path),
                        f"'{key}' has the form of a JSON-LD keyword but is not one; "
                        "expansion ignores it",
                    )
                )
            else:
                stack.append((value, key_path))
    return loadable


def _check_context(value: Any, path: _Path, inspection: _Inspection) -> bool:
    loadable = True
    entries = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    for index, entry in entries:
        entry_path = path if index is None else (*path, index)
        where = json_path(entry_path)
        if isinstance(entry, str):
            if not is_pinned(entry):
                inspection.unsafe.add(
                    SafeModeProblem(
                        where,
                        f"context '{entry}' is not one of the pinned contexts; it is never "
                        "fetched, so the document cannot be checked",
                    )
                )
                loadable = False
        elif isinstance(entry, Mapping):
            inline = SafeModeProblem(
                where, "inline (embedded) context: only the pinned context URLs may define terms"
            )
            inspection.unsafe.add(inline)
            inspection.policy.add(inline)
            for keyword in ("@vocab", "@base"):
                if keyword in entry:
                    problem = SafeModeProblem(
                        json_path((*entry_path, keyword)),
                        f"'{keyword}' in a context makes undefined terms or relative IRIs "
                        "look defined",
                    )
                    inspection.unsafe.add(problem)
                    inspection.policy.add(problem)
        elif entry is not None:
            inspection.unsafe.add(SafeModeProblem(where, "a context must be a URL or an object"))
            loadable = False
    return loadable


class _ObjectChecks:
    """The checks of one object, given the active context its expansion uses.

    Shared by both expansions (``_FastInspector``, ``_PyldInspector``), which provide IRI
    expansion without a base (``_safe_iri``) and the processing of a term's scoped context
    (``_safe_scoped``), and call :meth:`_check_object` for every object they expand.
    """

    _inspection: _Inspection
    _paths: dict[int, _Path]

    def _safe_iri(self, ctx: dict[str, Any], value: Any, vocab: bool) -> Any:
        raise NotImplementedError

    def _safe_scoped(self, ctx: dict[str, Any], local: Any) -> dict[str, Any]:
        raise NotImplementedError

    def _check_object(self, ctx, element, type_scoped_ctx) -> None:
        charge("JSON-LD check")  # the request's shared work budget (schemas.work_budget)
        path = self._path_of(element)
        try:
            self._inspect_object(ctx, element, path, type_scoped_ctx or ctx)
        except Exception as error:  # an inspection bug must not hide the expansion's verdict
            self._unsafe(path, f"could not inspect this object: {error}")

    def _path_of(self, element: Any) -> _Path:
        path = self._paths.get(id(element))
        if path is None:
            # The first object pyld expands is the document itself; any object pyld made up
            # itself afterwards has no input position, so it is reported at the root.
            path = ()
        for key, value in element.items():
            if isinstance(value, dict | list):
                self._remember(value, (*path, key))
        return path

    def _remember(self, value: Any, path: _Path) -> None:
        """The position of ``value`` (an object) or of the objects in it (an array)."""
        stack = [(value, path)]
        while stack:
            node, node_path = stack.pop()
            if isinstance(node, dict):
                self._paths[id(node)] = node_path
            elif isinstance(node, list):
                stack.extend(
                    (item, (*node_path, i))
                    for i, item in enumerate(node)
                    if isinstance(item, dict | list)
                )

    def _unsafe(self, path: _Path, message: str) -> None:
        self._inspection.unsafe.add(SafeModeProblem(json_path(path), message))

    def _by_vocab(self, path: _Path, message: str) -> None:
        """Defined only through ``@vocab``: signed (as an absolute IRI) but refused by policy."""
        problem = SafeModeProblem(json_path(path), message)
        self._inspection.unsafe.add(problem)
        self._inspection.policy.add(problem)

    def _not_compact(self, path: _Path, message: str) -> None:
        self._inspection.compact.add(SafeModeProblem(json_path(path), message))

    def _inspect_object(self, ctx, element, path, type_ctx) -> None:
        mappings = ctx.get("mappings", {})
        for key, value in element.items():
            if key == "@context" or not isinstance(key, str):
                continue
            key_path = (*path, key)
            if key[:1] == "@" and _KEYWORD_FORM.match(key) and key not in _KEYWORDS:
                continue  # reported by the input walk
            iri = self._safe_iri(ctx, key, vocab=True)
            if iri in _KEYWORDS:
                self._check_keyword(ctx, key, iri, value, key_path, type_ctx)
                continue
            if not _is_absolute(iri):
                self._unsafe(
                    key_path,
                    f"property '{key}' is not defined by any context in scope; expansion drops it",
                )
                continue
            definition = mappings.get(key)
            if definition is None:
                self._check_undefined_key(ctx, key, iri, key_path)
                continue
            self._check_containers(key, definition, value, key_path)
            if definition.get("reverse"):
                self._unsafe(key_path, f"property '{key}' is a reverse property (@reverse)")
            if definition.get("@type") in ("@id", "@vocab"):
                self._check_iri_values(ctx, key, definition, value, key_path)

    def _check_undefined_key(self, ctx, key: str, iri: str, key_path: _Path) -> None:
        if ":" not in key:
            self._by_vocab(key_path, _vocab_message(f"property '{key}'", iri))
            return
        self._not_compact(
            key_path,
            f"property '{key}' is spelled as an IRI, not as a term of the context"
            f"{_term_hint(ctx, iri)}: JSON readers miss it while the signature covers it",
        )

    def _check_keyword(self, ctx, key, keyword, value, key_path, type_ctx) -> None:
        if keyword in _MOVING_KEYWORDS:
            shown = key if key == keyword else f"{key}' ('{keyword}"
            self._unsafe(key_path, f"'{shown}' moves data between nodes; OB 3.0 does not use it")
            return
        if key == keyword and _alias_of(ctx, keyword):
            self._not_compact(
                key_path,
                f"'{key}' is used where the context's term is '{_alias_of(ctx, keyword)}'",
            )
        if keyword == "@type":
            self._check_types(type_ctx, value, key_path)
        elif keyword == "@id":
            for index, item in _items(value):
                if isinstance(item, str) and not _is_absolute(item):
                    self._unsafe(
                        _at(key_path, index),
                        f"'{key}' value '{item}' is a relative IRI; it must be absolute",
                    )

    def _check_types(self, ctx, value, key_path) -> None:
        mappings = ctx.get("mappings", {})
        for index, item in _items(value):
            if not isinstance(item, str):
                continue
            # base=None: see what the type is before pyld resolves it against a placeholder.
            iri = self._safe_iri(ctx, item, vocab=True)
            if not _is_absolute(iri):
                self._unsafe(
                    _at(key_path, index),
                    f"type '{item}' is not defined by any context in scope (it is the relative "
                    f"IRI '{iri}', which pyld resolves against '{DEFAULT_BASE_IRI}')",
                )
            elif item not in mappings and ":" not in item:
                self._by_vocab(_at(key_path, index), _vocab_message(f"type '{item}'", iri))
            elif item not in mappings:
                self._not_compact(
                    _at(key_path, index),
                    f"type '{item}' is spelled as an IRI, not as a term of the context"
                    f"{_term_hint(ctx, iri)}",
                )

    def _check_iri_values(self, ctx, key, definition, value, key_path) -> None:
        """Values of ``"@type": "@id"``/``"@vocab"`` terms are IRIs and must be absolute.

        They expand with the term's own scoped context, as pyld does (``proofPurpose``'s
        defines ``assertionMethod``).
        """
        if definition.get("@context") is not None:
            ctx = self._safe_scoped(ctx, definition["@context"])
        vocab = definition["@type"] == "@vocab"
        for index, item in _items(value):
            if not isinstance(item, str):
                continue
            iri = self._safe_iri(ctx, item, vocab=vocab)
            if not _is_absolute(iri):
                self._unsafe(
                    _at(key_path, index),
                    f"value '{item}' of '{key}' is an IRI but a relative one ('{iri}'); pyld "
                    f"resolves it against '{DEFAULT_BASE_IRI}'",
                )

    def _check_containers(self, key, definition, value, key_path) -> None:
        """``@list``/``@set`` objects only where the property's term declares the container.

        Checked from the parent, whose active context holds the term: pyld has already
        reverted type-scoped terms by the time it expands the nested object itself.
        """
        if value is None or isinstance(value, str | int | float):
            return  # a scalar (bool is an int)
        declared = definition.get("@container") or []
        for index, item in _items(value):
            if not isinstance(item, Mapping):
                continue
            for keyword in sorted(_CONTAINER_KEYWORDS & item.keys()):
                if keyword not in declared:
                    self._unsafe(
                        (*_at(key_path, index), keyword),
                        f"'{keyword}' object under '{key}', whose term does not declare "
                        f"@container {keyword}",
                    )


class _FastInspector(_ObjectChecks, FastExpander):
    """The canonicalizer's fast expansion, inspecting each object with the active context used
    for it (the same one pyld's ``_expand_object`` receives; tests/schemas compare the two).

    ``unsecured`` is then the expansion of the document without its ``proof`` (what a Data
    Integrity proof hashes, VC DI 1.0 §4.3 step 2), taken from the root's entries when that is
    exactly what expanding the document without ``proof`` gives, else None.
    """

    def __init__(self, inspection: _Inspection, process_context, meter) -> None:
        super().__init__(process_context, meter)
        self._inspection = inspection
        self._paths = {}
        self._root: dict[str, Any] | None = None
        self.unsecured: list[Any] | None = None

    def expand_document(self, document: dict[str, Any], initial_ctx: dict[str, Any]) -> list:
        self._root = document
        return super().expand_document(document, initial_ctx)

    def _safe_iri(self, ctx: dict[str, Any], value: Any, vocab: bool) -> Any:
        if vocab and isinstance(value, str):
            return self._term(ctx, value).expanded  # remembered per context
        return self._iri(ctx, value, vocab=vocab, base=False)

    def _safe_scoped(self, ctx: dict[str, Any], local: Any) -> dict[str, Any]:
        return self._process(ctx, local, override_protected=True)

    def _expand_entries(self, ctx, expanded_prop, element, result, type_key, type_scoped_ctx):
        self._check_object(ctx, element, type_scoped_ctx)
        super()._expand_entries(ctx, expanded_prop, element, result, type_key, type_scoped_ctx)
        if element is self._root and "proof" in element:
            self.unsecured = self._without_proof(ctx, element, result)

    def _without_proof(self, ctx, root, result) -> list[Any] | None:
        """The root's entries expand independently of each other, so the document without
        ``proof`` expands to ``result`` without what ``proof`` added, unless another key
        shares its IRI or the root is no plain node object."""
        if "@value" in result or not all(isinstance(key, str) for key in root):
            return None
        proof = self._term(ctx, "proof")
        rest = dict(result)
        if proof.kept:
            others = (key for key in root if key not in ("proof", "@context"))
            if proof.expanded in _KEYWORDS or any(
                self._term(ctx, key).expanded == proof.expanded for key in others
            ):
                return None
            rest.pop(proof.expanded, None)
        finished = self._finish(rest, None, None, False)
        if finished is None:
            return []
        return None if "@graph" in finished else [finished]


class _RequestBudgetOnly:
    """The fast expander's meter here: as with pyld's expansion, safe mode sets no limits of
    its own; only the request's shared work budget is charged."""

    def check_time(self, stage: str) -> None:
        charge("JSON-LD check")


class _PyldInspector(_ObjectChecks, MemoizedContexts, JsonLdProcessor):
    """pyld's expansion, inspecting each object with the active context used for it: every
    JSON-LD construct, and pyld's own errors."""

    def __init__(self, inspection: _Inspection) -> None:
        super().__init__()
        self._inspection = inspection
        self._paths = {}

    def _safe_iri(self, ctx: dict[str, Any], value: Any, vocab: bool) -> Any:
        return self._expand_iri(ctx, value, vocab=vocab, base=None)

    def _safe_scoped(self, ctx: dict[str, Any], local: Any) -> dict[str, Any]:
        return self._process_context(
            ctx, local, self._options, propagate=True, override_protected=True
        )

    def _expand_object(
        self,
        active_ctx,
        active_property,
        expanded_active_property,
        element,
        expanded_parent,
        options,
        inside_list=False,
        type_key=None,
        type_scoped_ctx=None,
    ):
        self._options = options
        self._check_object(active_ctx, element, type_scoped_ctx)
        return super()._expand_object(
            active_ctx,
            active_property,
            expanded_active_property,
            element,
            expanded_parent,
            options,
            inside_list,
            type_key,
            type_scoped_ctx,
        )


def _items(value: Any) -> Iterable[tuple[int | None, Any]]:
    """A value's items with their index in it (None: the value is not an array)."""
    return enumerate(value) if isinstance(value, list) else ((None, value),)


def _at(path: _Path, index: int | None) -> _Path:
    return path if index is None else (*path, index)


_absolute: dict[str, bool] = {}
_ABSOLUTE_REMEMBERED = 4096


def _is_absolute(iri: Any) -> bool:
    """pyld's absolute-IRI test, remembered (terms and types recur in every credential)."""
    if not isinstance(iri, str):
        return False
    known = _absolute.get(iri)
    if known is None:
        if len(_absolute) >= _ABSOLUTE_REMEMBERED:
            _absolute.clear()
        known = _absolute[iri] = _ABSOLUTE_IRI.match(iri) is not None
    return known


def _relative_part(iri: Any) -> str | None:
    """The relative IRI, if ``iri`` is one or pyld resolved one against its placeholder base."""
    if not isinstance(iri, str):
        return None
    if iri.startswith(DEFAULT_BASE_IRI):
        return iri.removeprefix(DEFAULT_BASE_IRI)
    return None if _is_absolute(iri) else iri


def _vocab_message(what: str, iri: str) -> str:
    return (
        f"{what} is defined only through a context's @vocab (it expands to '{iri}'); "
        f"undefined terms, such as those {UNDEFINED_TERMS_CONTEXT} catches, are not accepted"
    )


def _term_hint(ctx: Mapping[str, Any], iri: str) -> str:
    terms = sorted(
        term
        for term, definition in ctx.get("mappings", {}).items()
        if definition and definition.get("@id") == iri and not definition.get("reverse")
    )
    return f" (its term is '{terms[0]}')" if terms else ""


def _alias_of(ctx: Mapping[str, Any], keyword: str) -> str | None:
    aliases = sorted(
        term
        for term, definition in ctx.get("mappings", {}).items()
        if definition and definition.get("@id") == keyword
    )
    return aliases[0] if aliases else None


def _check_expanded(expanded: Any, inspection: _Inspection) -> None:
    """Safety net over pyld's output: every type and node id must be an absolute IRI.

    Expanded output has no input positions, so anything found here that the per-object
    inspection did not already name is reported at ``$``.
    """
    reported = " ".join(p.message for p in inspection.unsafe)
    stack = [expanded]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("@id", "@type"):
                    for iri in value if isinstance(value, list) else [value]:
                        relative = _relative_part(iri)
                        if relative is not None and f"'{relative}'" not in reported:
                            inspection.unsafe.add(
                                SafeModeProblem(
                                    "$", f"the expanded document holds the relative IRI '{iri}'"
                                )
                            )
                elif key != "@value":
                    stack.append(value)
