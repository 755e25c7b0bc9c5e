"""Carriers misread: files taken for what they are not (a schema for a notebook, the end of a
fence missed on a CRLF page, a ``>`` inside a quoted attribute, a large JSON file for an unread
map). Each test builds real files and scans them through the CLI."""

from __future__ import annotations

import json

from tests.test_carriers import JOURNAL, evidence, scan, zip_bytes


def schema(version: str, container: str) -> dict:
    """Shaped as nbformat's own JSON schemas (``nbformat/v4/nbformat.v4.5.schema.json``): they
    name ``nbformat`` and ``cells`` (or ``worksheets``), but as properties, not as a list."""
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "description": f"Jupyter Notebook v{version} JSON schema.",
        "type": "object",
        "required": ["metadata", "nbformat_minor", "nbformat", container],
        "properties": {
            "nbformat": {"description": "Notebook format (major number).", "type": "integer"},
            container: {
                "description": "Array of cells.",
                "type": "array",
                "items": {"$ref": "#/definitions/cell"},
            },
        },
    }


def test_json_that_names_nbformat_is_a_notebook_only_with_a_cells_list(store, tmp_path):
    """A wheel of nbformat ships its schemas: they are no notebooks and give no line (the
    run is clear), while a notebook under a ``.json`` name in the same wheel is still read."""
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                           "source": JOURNAL.decode()}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    members = {
        "nbformat/v3/nbformat.v3.schema.json": json.dumps(schema("3.0", "worksheets")).encode(),
        "nbformat/v4/nbformat.v4.5.schema.json": json.dumps(schema("4.5", "cells")).encode(),
        "nbformat/nbformat.json": b'["nbformat", 4]',
        "nbformat/broken.json": b'{"nbformat": 4, ',
    }
    wheel = tmp_path / "nbformat-5.11.1-py3-none-any.whl"
    wheel.write_bytes(zip_bytes(members))
    code, candidate, stderr = scan(store, wheel)
    assert code == 0 and candidate["verdict"] == "clear", stderr
    assert candidate["complete"] is True, candidate["unread"]
    members["nbformat/tests/example.json"] = json.dumps(notebook).encode()
    wheel.write_bytes(zip_bytes(members))
    code, candidate, stderr = scan(store, wheel)
    assert code == 1 and evidence(candidate) == {"nbformat/tests/example.json!/cell-1.py"}
    assert candidate["complete"] is True, candidate["unread"]
