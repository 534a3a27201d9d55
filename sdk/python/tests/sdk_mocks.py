"""Helpers shared by the SDK's tests: the repository root, and Pulumi mocks that record what the SDK sends.

A plain module (the tests directory is not a package, so that ``pulumi_vast`` is always the
installed package, never the source tree next to it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pulumi.runtime.mocks import MockMonitor, MockResourceArgs, Mocks

#: The repository root (sdk/python/tests/../../..).
REPO = Path(__file__).resolve().parents[3]

#: The property and signature that mark a secret value on Pulumi's wire protocol.
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


class EchoMocks(Mocks):
    """Answers every registration with the inputs as state, plus the outputs a test sets up."""

    def __init__(self) -> None:
        self.outputs: dict[str, Any] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        resource_id = args.resource_id or f"{args.name}-id"
        return resource_id, {**args.inputs, **self.outputs}

    def call(self, args: Any) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(MockMonitor):
    """A mock monitor that keeps the raw requests (version, secret options, values as on the wire)."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Any] = []
        self.reads: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the monitor's RPC name)
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(request)
        return super().RegisterResource(request)

    def ReadResource(self, request: Any) -> Any:  # noqa: N802
        self.reads.append(request)
        return super().ReadResource(request)

    def registration(self, type_: str, name: str) -> Any:
        """The one RegisterResource request for ``type_`` named ``name``."""
        found = [r for r in self.registrations if r.type == type_ and r.name == name]
        assert len(found) == 1, f"expected one registration of {type_} {name}, got {len(found)}"
        return found[0]


def is_wire_secret(value: Any) -> bool:
    """True if a protobuf ``Value`` holds a secret (``{<sig key>: <secret sig>, value}``)."""
    fields = value.struct_value.fields
    return SIG_KEY in fields and fields[SIG_KEY].string_value == SECRET_SIG
