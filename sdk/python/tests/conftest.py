"""Fixtures: the repository's schema.json, and fresh recording mocks for each test.

The tests run against the installed package (``pip install ./sdk/python``), from a checkout of
the repository: they compare the SDK with the repository's schema.json and TypeScript package.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from sdk_mocks import REPO, EchoMocks, RecordingMonitor


@pytest.fixture(scope="session")
def schema() -> dict[str, Any]:
    """The provider's package schema, as the plugin serves it."""
    path = REPO / "schema.json"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run the tests from a checkout of pulumi-vast-api-keys")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def mocks() -> EchoMocks:
    return EchoMocks()


@pytest.fixture
def monitor(mocks: EchoMocks) -> RecordingMonitor:
    """Fresh mocks for each test (project ``proj``, stack ``dev``), recording every request."""
    recording = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="proj", stack="dev", preview=False, monitor=recording)
    return recording
