"""Pinned JSON-LD contexts, the offline document loader, canonicalization and JSON Schemas.

Imports nothing else of ours: every other package stands on this one.
"""

from schemas.loader import ContextNotPinned, document_loader, is_pinned, pinned_contexts

__all__ = ["ContextNotPinned", "document_loader", "is_pinned", "pinned_contexts"]
