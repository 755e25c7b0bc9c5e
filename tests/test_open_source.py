"""Open-source code in a private tree: a file whose header grants an open-source licence (the
sample's MIT ``acme_ledger/compat/iso8601.py``) is never evidence and never in a notice, even
when no reference source was learned (the README's counsel flow: fingerprint, scan, confirm,
notice)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path, PurePosixPath

import pytest
from typer.testing import CliRunner

from fingerprints.policy import boilerplate_reason, licence_reason
from scanner.cli import app
from tests.conftest import SAMPLES

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
ISO8601 = "acme_ledger/compat/iso8601.py"


def cli(*args: str) -> str:
    done = runner.invoke(app, list(args))
    assert done.exit_code in (0, 1), done.output
    return done.stdout + done.stderr


def test_counsel_flow_notice_never_lists_open_source_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    copy = shutil.copytree(PRIVATE, tmp_path / "acme-copy")  # a whole leak, iso8601 included
    said = cli("fingerprint", str(PRIVATE), "--store", "acme.db",
               "--public", str(SAMPLES / "public" / "acme-pay-sdk"))  # fmt: skip
    assert f"{ISO8601}: open-source code under the MIT licence (Copyright (c) 2007 - 2022 " \
           "Michael Twomey); never evidence, never in a notice" in said  # fmt: skip
    cli("scan", "./acme-copy", "--store", "acme.db")
    cli("review", "latest", "./acme-copy", "--confirm", "--reason", "checked", "--files", "**")
    cli("notice", "latest", "--out", "notice.md")
    notice = (tmp_path / "notice.md").read_text()
    assert "acme_ledger/money.py" in notice and "iso8601" not in notice
    report = cli("report", "latest", "--format", "md")
    assert "open\\-source files \\(their header grants an open\\-source licence\\)" in report
    assert copy.exists()


def test_a_store_written_before_reads_its_files_again(tmp_path):
    """A store fingerprinted by a leaktrace that did not know licences: its next ``fingerprint``
    reads every private file again (unchanged ones too) and marks the open-source one."""
    db = tmp_path / "acme.db"
    cli("fingerprint", str(PRIVATE), "--store", str(db))
    with sqlite3.connect(db) as con:  # as an older leaktrace left it
        con.execute("UPDATE files SET boilerplate = NULL WHERE path = ?", (ISO8601,))
        con.execute("DELETE FROM meta WHERE key LIKE 'file_policy:%'")
    said = cli("fingerprint", str(PRIVATE), "--store", str(db))
    assert f"{ISO8601}: open-source code under the MIT licence" in said
    with sqlite3.connect(db) as con:
        row = con.execute("SELECT boilerplate FROM files WHERE path = ?", (ISO8601,)).fetchone()
    reason = row[0]
    assert reason.startswith("open-source code under the MIT licence")
    again = cli("fingerprint", str(PRIVATE), "--store", str(db))  # now recorded: not read again
    assert "0 file(s) fingerprinted" in again and ISO8601 not in again


@pytest.mark.parametrize(
    ("head", "licence"),
    [
        (
            "// SPDX-License-Identifier: Apache-2.0\n// Copyright 2021 The Go Authors\n",
            "Apache-2.0",
        ),
        (
            "/*\n * Copyright 2019 Google LLC\n *\n"
            ' * Licensed under the Apache License, Version 2.0 (the "License");\n',
            "Apache-2.0",
        ),
        (
            "# Copyright (c) 2010, Ann\n# All rights reserved.\n#\n"
            "# Redistribution and use in source\n"
            "# and binary forms, with or without modification, are permitted\n",
            "BSD",
        ),
        (
            "/* This program is free software: you can redistribute it and/or modify it under the\n"
            " * terms of the GNU General Public License as published by\n",
            "GPL",
        ),
        (
            "// Permission to use, copy, modify, and/or distribute this software for any\n"
            "// purpose with or without fee is hereby granted\n",
            "ISC",
        ),
        (
            "# This Source Code Form is subject to the terms of the Mozilla Public\n"
            "# License, v. 2.0.",
            "MPL-2.0",
        ),
    ],
)
def test_licences_are_named(head, licence):
    reason = licence_reason(head.encode() + b"x = 1\n")
    assert reason is not None and reason.startswith(f"open-source code under the {licence} ")
    assert boilerplate_reason(PurePosixPath("a.py"), 500, head.encode()) == reason


@pytest.mark.parametrize(
    "path",
    ["native/fxfmt.c", "acme_ledger/money.py", "LICENSE", "acme_ledger/journal.py"],
)
def test_the_company_s_own_notices_are_not_open_source(path):
    """A proprietary LICENSE, "All rights reserved", a comment that mentions a licence."""
    assert licence_reason((PRIVATE / path).read_bytes()) is None
    assert licence_reason(b"// SPDX-License-Identifier: LicenseRef-Acme-Proprietary\n") is None


def test_sample_iso8601_is_named():
    reason = licence_reason((PRIVATE / ISO8601).read_bytes())
    assert reason == ("open-source code under the MIT licence "
                      "(Copyright (c) 2007 - 2022 Michael Twomey)")  # fmt: skip
    assert Path(PRIVATE / ISO8601).exists()


APACHE_HEADER = (
    "# Copyright 2024 {holder}\n#\n# Licensed under the Apache License, Version 2.0 (the "
    '"License");\n# you may not use this file except in compliance with the License.\n\n'
)


def _verdicts(tmp_path: Path, db: Path, copy_of: str) -> str:
    """The verdict of a scan of a copy of the one private file ``copy_of`` (path in PRIVATE)."""
    leak = tmp_path / "leak"
    leak.mkdir(exist_ok=True)
    shutil.copy(tmp_path / "private" / copy_of, leak / Path(copy_of).name)
    return cli("scan", str(leak), "--store", str(db))


def test_the_company_s_own_file_under_an_open_source_header_stays_evidence(tmp_path):
    """A private repository whose licence file names the company (the sample's proprietary
    ``LICENSE``, Acme Pay Inc.), and whose reconciliation module carries an Apache header of
    Acme Pay's own: a copy of it is still derivative; iso8601 (Michael Twomey's MIT) is not
    evidence. fingerprint says which is which."""
    private = shutil.copytree(PRIVATE, tmp_path / "private")
    module = private / "acme_ledger" / "reconciliation.py"
    module.write_text(APACHE_HEADER.format(holder="Acme Pay Inc.") + module.read_text())
    db = tmp_path / "acme.db"
    said = cli("fingerprint", str(private), "--store", str(db))
    assert "acme_ledger/reconciliation.py: open-source code under the Apache-2.0 licence " \
           "(Copyright 2024 Acme Pay Inc.); the company's own" in said  # fmt: skip
    assert f"{ISO8601}: open-source code under the MIT licence" in said
    with sqlite3.connect(db) as con:
        kept = dict(con.execute("SELECT path, boilerplate FROM files"))
    assert kept["acme_ledger/reconciliation.py"] is None
    assert kept[ISO8601].startswith("open-source code under the MIT licence")
    assert "derivative" in _verdicts(tmp_path, db, "acme_ledger/reconciliation.py")


def test_owner_names_the_company_where_no_licence_file_does(tmp_path):
    """No licence file: an Initech file under an MIT header is taken for open-source code (and
    fingerprint says how to keep it evidence); ``--owner Initech`` reads the repository again
    and keeps it evidence, so its copy is derivative."""
    private = shutil.copytree(PRIVATE, tmp_path / "private")
    (private / "LICENSE").unlink()
    module = private / "acme_ledger" / "reconciliation.py"
    mit = (
        "# Copyright (c) 2025 Initech LLC\n#\n# Permission is hereby granted, free of charge, "
        "to any person obtaining a copy\n# of this software...\n\n"
    )
    module.write_text(mit + module.read_text())
    db = tmp_path / "acme.db"
    said = cli("fingerprint", str(private), "--store", str(db))
    assert "acme_ledger/reconciliation.py: open-source code under the MIT licence " \
           "(Copyright (c) 2025 Initech LLC); never evidence" in said  # fmt: skip
    assert "--owner NAME, its copyright holder, keeps it evidence" in said
    assert "derivative" not in _verdicts(tmp_path, db, "acme_ledger/reconciliation.py")
    said = cli("fingerprint", str(private), "--store", str(db), "--owner", "initech")
    assert "reconciliation.py: open-source code under the MIT licence (Copyright (c) 2025 " \
           "Initech LLC); the company's own" in said  # fmt: skip
    assert "derivative" in _verdicts(tmp_path, db, "acme_ledger/reconciliation.py")


REUSE_HEADER = "# SPDX-FileCopyrightText: 2025 {holder}\n# SPDX-License-Identifier: MIT\n\n"


def test_a_reuse_header_names_its_holder(tmp_path):
    """A REUSE-style header (``SPDX-FileCopyrightText:`` and ``SPDX-License-Identifier:``, as
    tomli's files carry) names its copyright holder as a ``Copyright`` line does: the
    company's own file under it stays evidence (its licence file names Acme Pay Inc.), and the
    same header naming somebody else is open-source code. Before, the holder was not read: the
    company's own REUSE files were never evidence, even with ``--owner``."""
    private = shutil.copytree(PRIVATE, tmp_path / "private")
    module = private / "acme_ledger" / "reconciliation.py"
    body = module.read_text()
    module.write_text(REUSE_HEADER.format(holder="Acme Pay Inc. <oss@acme.example>") + body)
    db = tmp_path / "acme.db"
    said = cli("fingerprint", str(private), "--store", str(db))
    assert "acme_ledger/reconciliation.py: open-source code under the MIT licence " \
           "(SPDX-FileCopyrightText: 2025 Acme Pay Inc. <oss@acme.example>); the company's own" \
           in said  # fmt: skip
    assert "derivative" in _verdicts(tmp_path, db, "acme_ledger/reconciliation.py")
    module.write_text(REUSE_HEADER.format(holder="Taneli Hukkinen") + body)
    said = cli("fingerprint", str(private), "--store", str(db))
    assert "(SPDX-FileCopyrightText: 2025 Taneli Hukkinen); never evidence" in said
    assert "derivative" not in _verdicts(tmp_path, db, "acme_ledger/reconciliation.py")


def test_a_header_naming_no_holder_is_the_company_s_when_it_says_owner(tmp_path):
    """``SPDX-License-Identifier: MIT`` alone (attrs' files) names nobody: without ``--owner``
    it is taken for open-source code; with ``--owner`` (the company said its own code carries
    open-source headers) it is the company's own and stays evidence, while a header naming
    another holder stays open-source code."""
    private = shutil.copytree(PRIVATE, tmp_path / "private")
    (private / "LICENSE").unlink()
    module = private / "acme_ledger" / "reconciliation.py"
    module.write_text("# SPDX-License-Identifier: MIT\n\n" + module.read_text())
    db = tmp_path / "acme.db"
    said = cli("fingerprint", str(private), "--store", str(db))
    assert "acme_ledger/reconciliation.py: open-source code under the MIT licence; never " \
           "evidence" in said  # fmt: skip
    assert "derivative" not in _verdicts(tmp_path, db, "acme_ledger/reconciliation.py")
    said = cli("fingerprint", str(private), "--store", str(db), "--owner", "Initech")
    assert "acme_ledger/reconciliation.py: open-source code under the MIT licence; the " \
           "company's own" in said  # fmt: skip
    assert f"{ISO8601}: open-source code under the MIT licence (Copyright (c) 2007 - 2022 " \
           "Michael Twomey); never evidence" in said  # fmt: skip
    assert "derivative" in _verdicts(tmp_path, db, "acme_ledger/reconciliation.py")
