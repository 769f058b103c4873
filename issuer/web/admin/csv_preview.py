"""The preview step every CSV upload of the admin pages shares (the roster, criterion results):
read the file, check each row without writing anything, and show every row's fate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import render_template, request
from sqlalchemy.orm import Session

from issuer import csv_files
from issuer.database import get_session


def preview_upload(
    check: Callable[[Session, bytes], Sequence[Any]],
    *,
    statuses: Sequence[str],
    refuse: Callable[[str, int], Any],
    template: str,
    **page: Any,
) -> Any:
    """Preview the uploaded ``file``: ``check(session, content)`` returns one row per line
    (each with a ``status``), in a transaction rolled back afterwards, so nothing is written.

    Renders ``template`` with ``page``, ``rows``, ``content`` (the file's text, posted back by
    the import form) and ``counts`` (rows per status in ``statuses``). A missing file (422), one
    over ``csv_files.MAX_UPLOAD_BYTES`` (413) or one ``check`` refuses with
    ``csv_files.CsvFileError`` (422) goes to ``refuse(message, status)`` in plain words.
    """
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return refuse("Choose a CSV file to upload.", 422)
    content = upload.stream.read(csv_files.MAX_UPLOAD_BYTES + 1)
    if len(content) > csv_files.MAX_UPLOAD_BYTES:
        return refuse(csv_files.TOO_LARGE, 413)
    db = get_session()
    try:
        rows = check(db, content)
    except csv_files.CsvFileError as exc:
        return refuse(f"This file cannot be used: {exc}.", 422)
    finally:
        db.rollback()
    return render_template(
        template,
        **page,
        rows=rows,
        content=content.decode("utf-8-sig"),
        counts={status: sum(1 for row in rows if row.status == status) for status in statuses},
    )
