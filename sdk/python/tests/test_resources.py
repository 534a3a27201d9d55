"""What the SDK sends to the engine, checked on Pulumi's mock monitor: resource types, property
names on the wire, secrets, the pinned plugin version, lookups and explicit providers."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from google.protobuf import json_format

import pulumi_vast as vast
from pulumi_vast import outputs, presets

from sdk_mocks import EchoMocks, RecordingMonitor, is_wire_secret

API_KEY = "vast:index:ApiKey"


def wire(request: Any) -> dict[str, Any]:
    """The registered inputs as plain JSON (secrets still wrapped)."""
    return json_format.MessageToDict(request.object)


@pulumi.runtime.test
def test_api_key_sends_schema_names_and_pins_the_plugin_version(monitor: RecordingMonitor, schema: dict[str, Any]):
    key = vast.ApiKey(
        "ci",
        vast.ApiKeyArgs(
            permissions=presets.instance_management_only(),
            name="dev-ci",
            key_params="opaque",
            rotate_after_days=30.5,
            rotation_trigger="2026-q1",
        ),
    )

    def check(_: Any) -> None:
        request = monitor.registration(API_KEY, "ci")
        assert request.custom
        assert wire(request) == {
            "permissions": {"api": {"instance_read": {}, "instance_write": {}}},
            "name": "dev-ci",
            "keyParams": "opaque",
            "rotateAfterDays": 30.5,
            "rotationTrigger": "2026-q1",
        }
        assert request.version == schema["version"]
        assert list(request.additionalSecretOutputs) == ["key"]

    return key.urn.apply(check)


@pulumi.runtime.test
def test_keyword_arguments_register_the_same_inputs_as_an_args_object(monitor: RecordingMonitor):
    doc = presets.read_only()
    a = vast.ApiKey("a", vast.ApiKeyArgs(permissions=doc, rotate_after_days=7))
    b = vast.ApiKey("b", permissions=doc, rotate_after_days=7)

    def check(_: Any) -> None:
        assert wire(monitor.registration(API_KEY, "a")) == wire(monitor.registration(API_KEY, "b"))

    return pulumi.Output.all(a.urn, b.urn).apply(check)


def test_permissions_are_required(monitor: RecordingMonitor):
    with pytest.raises(TypeError, match="Missing required property 'permissions'"):
        vast.ApiKey("no-permissions")


@pulumi.runtime.test
def test_adopt_is_sent_as_a_secret_with_schema_names(monitor: RecordingMonitor):
    as_class = vast.ApiKey("c", permissions=presets.read_only(), adopt=vast.ApiKeyAdoptArgs(key_id=7, key="value-7"))
    as_dict = vast.ApiKey("d", permissions=presets.read_only(), adopt={"key_id": 8, "key": "value-8"})

    def check(_: Any) -> None:
        for name, key_id, value in (("c", 7, "value-7"), ("d", 8, "value-8")):
            request = monitor.registration(API_KEY, name)
            adopt = request.object.fields["adopt"]
            assert is_wire_secret(adopt), f"adopt of {name} is not a secret on the wire"
            assert json_format.MessageToDict(adopt)["value"] == {"keyId": key_id, "key": value}

    return pulumi.Output.all(as_class.urn, as_dict.urn).apply(check)


@pulumi.runtime.test
def test_outputs_resolve_under_their_python_names(monitor: RecordingMonitor, mocks: EchoMocks):
    mocks.outputs = {
        "keyId": 4242,
        "key": "the-key-value",
        "createdAt": "2026-11-24T10:00:00Z",
        "name": "dev-ci",
        "permissions": presets.instance_management_only(),
        "keyParams": "opaque",
        "rotateAfterDays": 30,
        "rotationTrigger": "t1",
    }
    key = vast.ApiKey("ci", permissions=presets.instance_management_only())
    values = pulumi.Output.all(
        key.id,
        key.key_id,
        key.key,
        key.created_at,
        key.name,
        # Read inside apply: the output type is what the program sees there.
        key.permissions.apply(lambda p: (type(p), dict(p) == presets.instance_management_only(), p.api)),
        key.key_params,
        key.rotate_after_days,
        key.rotation_trigger,
    )

    def check(v: list[Any]) -> None:
        assert v[:5] == ["ci-id", 4242, "the-key-value", "2026-11-24T10:00:00Z", "dev-ci"]
        assert v[5] == (outputs.PermissionDoc, True, {"instance_read": {}, "instance_write": {}})
        assert v[6:] == ["opaque", 30, "t1"]

    return values.apply(check)


@pulumi.runtime.test
def test_get_reads_an_existing_key_by_id_at_the_pinned_version(monitor: RecordingMonitor, schema: dict[str, Any]):
    found = vast.ApiKey.get("existing", "1234")

    def check(_: Any) -> None:
        assert len(monitor.reads) == 1
        read = monitor.reads[0]
        assert (read.type, read.name, read.id, read.version) == (API_KEY, "existing", "1234", schema["version"])
        assert monitor.registrations == []

    return found.urn.apply(check)


@pulumi.runtime.test
def test_an_explicit_provider_gets_its_own_secret_credentials(monitor: RecordingMonitor, schema: dict[str, Any]):
    provider = vast.Provider("team-b", api_key="management-key", url="http://127.0.0.1:18080")
    key = vast.ApiKey("k", permissions=presets.read_only(), opts=pulumi.ResourceOptions(provider=provider))

    def check(urns: list[str]) -> None:
        request = monitor.registration("pulumi:providers:vast", "team-b")
        assert is_wire_secret(request.object.fields["apiKey"])
        assert json_format.MessageToDict(request.object.fields["apiKey"])["value"] == "management-key"
        assert request.object.fields["url"].string_value == "http://127.0.0.1:18080"
        assert request.version == schema["version"]
        assert monitor.registration(API_KEY, "k").provider.startswith(f"{urns[0]}::")

    return pulumi.Output.all(provider.urn, key.urn).apply(check)
