"""The vendored third-party files are exactly the ones the manifest names, unchanged, under
permissive licences; the pages load nothing from elsewhere."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import lily.web

VENDOR = Path(lily.web.__file__).parent / "static" / "vendor"
TEMPLATES = Path(lily.web.__file__).parent / "templates"
PERMISSIVE = {"MIT", "0BSD", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "ISC"}


def _manifest() -> list[dict]:
    return json.loads((VENDOR / "manifest.json").read_text())["packages"]


def test_every_vendored_file_matches_its_manifest_hash() -> None:
    listed = {}
    for package in _manifest():
        assert package["source"].startswith("https://registry.npmjs.org/"), package["name"]
        assert package["version"] in package["source"], package["name"]
        for entry in package["files"]:
            listed[entry["path"]] = entry["sha256"]
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == set(listed), "files in static/vendor and the manifest differ"
    for path, digest in listed.items():
        assert hashlib.sha256((VENDOR / path).read_bytes()).hexdigest() == digest, path


def test_licences_are_permissive() -> None:
    for package in _manifest():
        assert package["license"] in PERMISSIVE, (package["name"], package["license"])


def test_templates_reference_no_external_resource() -> None:
    pattern = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""")
    for template in TEMPLATES.rglob("*.html"):
        assert not pattern.search(template.read_text()), template.name
