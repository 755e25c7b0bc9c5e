"""Code hidden where a scan used to say ``clear``: each test builds a real candidate from the
samples' private code in a shape a scan read nothing of (or not all of), and scans it through
the CLI. ``clear`` must mean "read all of it and found nothing"."""

from __future__ import annotations

import base64
import json

from tests.test_carriers import PRIVATE, evidence, scan

CLIENT_PATH = "web/src/api/ledgerClient.ts"
CLIENT = (PRIVATE / CLIENT_PATH).read_text()


def a_map(sources: dict[str, str]) -> str:
    return json.dumps({"version": 3, "sources": list(sources), "names": [],
                       "sourcesContent": list(sources.values()), "mappings": "AAAA"})  # fmt: skip


def test_scan_reads_the_sources_of_an_inline_source_map(store, tmp_path):
    encoded = base64.b64encode(a_map({"src/api/ledgerClient.ts": CLIENT}).encode()).decode()
    site = tmp_path / "site"
    (site / "dist").mkdir(parents=True)
    (site / "dist" / "app.js").write_text(
        f"console.log(1);\n//# sourceMappingURL=data:application/json;base64,{encoded}\n"
    )
    code, candidate, _ = scan(store, site)
    assert code == 1 and candidate["verdict"] == "derivative"
    assert evidence(candidate) == {"dist/app.js!/inline-source-map!/src/api/ledgerClient.ts"}
