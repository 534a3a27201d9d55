"""The Python presets are the TypeScript presets: same names, same documents, same key order.

The TypeScript side comes from the built npm package (``npm run build``), run with node."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from pulumi_vast import presets

from sdk_mocks import REPO

PRINT_TS_PRESETS = """
const { presets, KNOWN_CATEGORIES } = require(process.argv[1]);
const docs = Object.fromEntries(Object.entries(presets).map(([name, make]) => [name, make()]));
process.stdout.write(JSON.stringify({ presets: docs, categories: KNOWN_CATEGORIES }));
"""


@pytest.fixture(scope="module")
def typescript() -> dict[str, Any]:
    """``presets`` and ``KNOWN_CATEGORIES`` of the TypeScript package, as JSON text per preset."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required to compare the presets with the TypeScript package")
    if not (REPO / "dist" / "provider" / "index.js").is_file():
        pytest.fail(f"{REPO / 'dist'} is missing: run `npm run build` in {REPO} first")
    out = subprocess.run([node, "-e", PRINT_TS_PRESETS, str(REPO)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def test_the_same_preset_names_in_the_same_order(typescript: dict[str, Any]):
    assert list(presets.PRESETS) == list(typescript["presets"])


def test_every_preset_returns_the_typescript_document(typescript: dict[str, Any]):
    for name, make in presets.PRESETS.items():
        # Compared as JSON text: values and key order.
        assert compact(make()) == compact(typescript["presets"][name]), name


def test_known_categories_match(typescript: dict[str, Any]):
    assert list(presets.KNOWN_CATEGORIES) == typescript["categories"]


def test_preset_by_typescript_name_or_function_name():
    assert presets.preset("readOnly") == presets.read_only()
    assert presets.preset("instance_management_with_billing") == presets.instance_management_with_billing()


def test_an_unknown_preset_name_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match=r"unknown permission preset 'readonly'; known presets: readOnly, instanceManagementOnly"):
        presets.preset("readonly")


def test_each_call_returns_a_fresh_document():
    first = presets.full_access()
    first["api"]["billing_write"]["note"] = "changed"
    first["api"].pop("misc")
    assert "misc" in presets.full_access()["api"]
    assert presets.full_access()["api"]["billing_write"] == {}
