"""The committed extract of Zoom's OpenAPI documents (tests/contract/zoom-openapi-extract.json).

Contract tests read the extract, so the suite needs nothing outside the repository. When
Zoom's full documents are beside the checkout (../shared/zoom, or ZOOMCTL_SHARED_DIR), the
extract must be byte for byte what scripts/extract-zoom-schemas derives from them; without
them, the extract must still be in the script's exact form and cover what zoomctl uses.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from importlib.machinery import SourceFileLoader

import pytest
from support import REPO, ZOOM_OPENAPI_EXTRACT, shared_zoom_dir, zoom_openapi

SCRIPT = REPO / "scripts" / "extract-zoom-schemas"


def _script():
    """scripts/extract-zoom-schemas as a module (it has no .py suffix)."""
    loader = SourceFileLoader("extract_zoom_schemas", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _sources_present() -> bool:
    directory = shared_zoom_dir()
    return all((directory / file).is_file() for file, _ in _script().DOCUMENTS.values())


def test_extract_is_what_the_script_derives():
    committed = ZOOM_OPENAPI_EXTRACT.read_bytes()
    script = _script()
    if _sources_present():
        directory = shared_zoom_dir()
        derived = subprocess.run(
            [sys.executable, str(SCRIPT), "--source", str(directory), "--stdout"], capture_output=True, timeout=120
        )
        assert derived.returncode == 0, derived.stderr.decode()
        assert derived.stdout == committed, "the extract is stale: run scripts/extract-zoom-schemas and commit it"
        for name, (file, _) in script.DOCUMENTS.items():
            digest = hashlib.sha256((directory / file).read_bytes()).hexdigest()
            assert zoom_openapi()[name]["info"]["x-source-sha256"] == digest
        return
    # Without Zoom's documents: the extract is in the script's exact rendering (nobody edited
    # it by hand) and holds exactly the script's operations, no more, no fewer.
    extract = json.loads(committed)
    assert script.render(extract) == committed
    assert sorted(extract) == sorted(script.DOCUMENTS)
    for name, (file, operations) in script.DOCUMENTS.items():
        document = extract[name]
        assert document["info"]["x-source"] == file
        assert re.fullmatch(r"[0-9a-f]{64}", document["info"]["x-source-sha256"])
        found = {
            (path, method, op["operationId"]) for path, item in document["paths"].items() for method, op in item.items()
        }
        assert found == set(operations)


def test_check_mode_catches_a_stale_extract(tmp_path):
    """--check fails on an extract that differs from what the documents give (needs them)."""
    if not _sources_present():
        # Without the documents the script must refuse clearly rather than pass.
        result = subprocess.run(
            [sys.executable, str(SCRIPT), "--source", str(tmp_path), "--check"], capture_output=True, text=True
        )
        assert result.returncode == 3
        assert result.stderr.startswith("error: ") and "fix: pass --source DIR" in result.stderr
        return
    stale = tmp_path / "extract.json"
    stale.write_bytes(ZOOM_OPENAPI_EXTRACT.read_bytes().replace(b'"maximum": 1440', b'"maximum": 1441', 1))
    source = ["--source", str(shared_zoom_dir())]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *source, "--check", "--output", str(stale)], capture_output=True
    )
    assert result.returncode == 1
    fresh = subprocess.run(
        [sys.executable, str(SCRIPT), *source, "--check", "--output", str(ZOOM_OPENAPI_EXTRACT)], capture_output=True
    )
    assert fresh.returncode == 0


@pytest.mark.parametrize("name", ["meetings", "combined"])
def test_each_extract_is_a_valid_openapi_3_document(name):
    from openapi_spec_validator import validate

    validate(zoom_openapi()[name])


def test_extract_holds_no_prose():
    """No descriptions, examples, summaries or enum descriptions: facts only."""

    def walk(node, where, in_properties=False):
        if isinstance(node, dict):
            for key, value in node.items():
                if not in_properties:  # keys of a properties map are field names
                    assert key not in {"example", "examples", "summary", "tags", "x-enum-descriptions"}, where
                    if key == "description":
                        assert value == "", f"{where}: description kept"
                walk(value, f"{where}.{key}", in_properties=(key == "properties" and not in_properties))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(zoom_openapi(), "extract")


def test_extract_covers_every_operation_the_sandbox_routes():
    from zoomctl.sandbox.server import _API_ROUTES

    extract = zoom_openapi()
    documented = {
        op["operationId"]: (method.upper(), path)
        for document in extract.values()
        for path, item in document["paths"].items()
        for method, op in item.items()
    }
    routed = {}
    for pattern, methods in _API_ROUTES:
        template = re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", r"{\1}", pattern.pattern)
        template = template.removeprefix("^/v2").removesuffix("/?$")
        for method, operation_id in methods.items():
            routed[operation_id] = (method, template)
    assert routed == documented


def test_extract_keeps_the_facts_zoomctl_relies_on():
    """Spot checks against the facts in ZOOM-FACTS.md: limits, enums, error codes, labels."""
    meetings = zoom_openapi()["meetings"]["paths"]
    create = meetings["/users/{userId}/meetings"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert (body["duration"]["minimum"], body["duration"]["maximum"]) == (1, 1440)
    assert body["settings"]["properties"]["approval_type"]["enum"] == [0, 1, 2]
    assert create["responses"]["201"]["content"]["application/json"]["schema"]["properties"]["id"]["format"] == "int64"
    assert meetings["/meetings/{meetingId}"]["get"]["responses"]["404"]["x-error-codes"] == [3001]
    assert meetings["/meetings/{meetingId}"]["patch"]["responses"]["429"]["x-error-codes"] == [4001]
    assert meetings["/meetings/{meetingId}/batch_registrants"]["post"]["x-rate-limit-label"] == "HEAVY"
    users = zoom_openapi()["combined"]["paths"]["/users"]["get"]
    page_size = next(p for p in users["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 300 and page_size["in"] == "query"
