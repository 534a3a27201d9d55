"""The SDK and the provider schema (schema.json) cannot drift apart.

Every resource, input, output and object type of the schema is present under its Python name,
required inputs are required, optional outputs are Optional, secret inputs go out as secrets and
secret outputs are registered as additional secret outputs, and the package pins the plugin
version of the schema. The generated files are also regenerated and compared (the generator is
scripts/gen-python-sdk.sh).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import json
import re
import shutil
import subprocess
import typing
from importlib import resources
from typing import Any

import pulumi
from pulumi.type_token import get_type_token

import pulumi_vast as vast
from pulumi_vast import presets

from sdk_mocks import REPO, RecordingMonitor, is_wire_secret

import pytest


def snake(name: str) -> str:
    """The Python name Pulumi's code generator gives a schema property (``keyParams`` -> ``key_params``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def type_name(token: str) -> str:
    """``vast:index:ApiKey`` -> ``ApiKey``."""
    return token.split(":")[-1]


def getters(cls: type) -> dict[str, tuple[str, Any]]:
    """Schema name -> (Python name, return annotation) of the ``@pulumi.getter`` properties of ``cls``."""
    out: dict[str, tuple[str, Any]] = {}
    for py_name, member in inspect.getmembers(cls, lambda m: isinstance(m, property)):
        schema_name = getattr(member.fget, "_pulumi_name", None)
        if schema_name is not None:
            out[schema_name] = (py_name, typing.get_type_hints(member.fget)["return"])
    return out


def is_optional(annotation: Any) -> bool:
    """True for ``Output[Optional[T]]`` / ``Optional[T]`` (an Input's union is looked through)."""
    seen = [annotation]
    while seen:
        t = seen.pop()
        args = typing.get_args(t)
        if type(None) in args:
            return True
        seen.extend(a for a in args if typing.get_origin(a) is not None)
    return False


def init_parameters(fn: Any) -> dict[str, inspect.Parameter]:
    """The parameters of ``fn`` without its ``self``."""
    params = dict(inspect.signature(fn).parameters)
    params.pop("__self__", None)
    params.pop("self", None)
    return params


def resource_classes() -> dict[str, type]:
    """Type token -> class, for every resource class the package exports."""
    return {
        get_type_token(obj): obj
        for obj in vars(vast).values()
        if inspect.isclass(obj) and issubclass(obj, pulumi.Resource) and get_type_token(obj)
    }


def test_every_schema_resource_and_the_provider_has_a_class(schema: dict[str, Any]):
    assert set(resource_classes()) == {*schema["resources"], "pulumi:providers:vast"}
    assert issubclass(vast.ApiKey, pulumi.CustomResource)
    assert issubclass(vast.Provider, pulumi.ProviderResource)


def check_inputs(args_cls: type, properties: dict[str, Any], required: list[str]) -> None:
    params = init_parameters(args_cls.__init__)
    assert set(params) == {snake(n) for n in properties}, args_cls.__name__
    for name in properties:
        default = params[snake(name)].default
        if name in required:
            assert default is inspect.Parameter.empty, f"{args_cls.__name__}.{snake(name)} must be required"
        else:
            assert default is None, f"{args_cls.__name__}.{snake(name)} must be optional"
    assert {n: py for n, (py, _) in getters(args_cls).items()} == {n: snake(n) for n in properties}


def test_resource_inputs_match_the_schema(schema: dict[str, Any]):
    classes = resource_classes()
    for token, spec in schema["resources"].items():
        cls = classes[token]
        args_cls = getattr(vast, f"{type_name(token)}Args")
        check_inputs(args_cls, spec["inputProperties"], spec.get("requiredInputs", []))
        # The keyword form takes the same inputs, all optional in the signature (checked at run time).
        kwargs = set(init_parameters(cls._internal_init)) - {"resource_name", "opts", "__props__"}
        assert kwargs == {snake(n) for n in spec["inputProperties"]}, token


def test_provider_inputs_match_the_schema(schema: dict[str, Any]):
    check_inputs(vast.ProviderArgs, schema["provider"]["inputProperties"], [])


def test_resource_outputs_match_the_schema(schema: dict[str, Any]):
    classes = resource_classes()
    for token, spec in schema["resources"].items():
        outputs = getters(classes[token])
        assert set(outputs) == set(spec["properties"]), token
        for name, (py_name, annotation) in outputs.items():
            assert py_name == snake(name)
            assert typing.get_origin(annotation) is pulumi.Output, f"{token}.{py_name} is not an Output"
            optional = name not in spec.get("required", [])
            assert is_optional(annotation) == optional, f"{token}.{py_name}: optional must be {optional}"


def input_type_tokens(schema: dict[str, Any]) -> set[str]:
    """Object types some resource or the provider takes as input (output-only types get no Args class)."""
    refs = json.dumps([r["inputProperties"] for r in schema["resources"].values()] + [schema["provider"]["inputProperties"]])
    return {token for token in schema["types"] if f'"#/types/{token}"' in refs}


def test_object_types_match_the_schema(schema: dict[str, Any]):
    inputs = input_type_tokens(schema)
    for token, spec in schema["types"].items():
        if token in inputs:
            check_inputs(getattr(vast, f"{type_name(token)}Args"), spec["properties"], spec.get("required", []))
        else:
            # Output-only: a plain output class with one property getter per schema property.
            cls = getattr(importlib.import_module("pulumi_vast.outputs"), type_name(token))
            assert set(getters(cls)) == set(spec["properties"]), token


@pulumi.runtime.test
def test_secret_outputs_and_secret_inputs_follow_the_schema(monitor: RecordingMonitor, schema: dict[str, Any]):
    spec = schema["resources"]["vast:index:ApiKey"]
    secret_inputs = {n for n, p in spec["inputProperties"].items() if p.get("secret")}
    secret_outputs = {n for n, p in spec["properties"].items() if p.get("secret")}
    assert secret_outputs == {"key"} and secret_inputs == {"adopt"}
    key = vast.ApiKey("k", permissions=presets.read_only(), adopt=vast.ApiKeyAdoptArgs(key_id=1))
    provider = vast.Provider("p", api_key="k", url="http://127.0.0.1:1")
    secret_config = {n for n, p in schema["provider"]["inputProperties"].items() if p.get("secret")}

    def check(_: Any) -> None:
        request = monitor.registration("vast:index:ApiKey", "k")
        assert set(request.additionalSecretOutputs) == secret_outputs
        for name in secret_inputs:
            assert is_wire_secret(request.object.fields[name]), name
        provider_request = monitor.registration("pulumi:providers:vast", "p")
        for name in schema["provider"]["inputProperties"]:
            assert is_wire_secret(provider_request.object.fields[name]) == (name in secret_config), name

    return pulumi.Output.all(key.urn, provider.urn).apply(check)


def test_the_package_is_the_plugin_version_of_the_schema(schema: dict[str, Any]):
    plugin = json.loads(resources.files("pulumi_vast").joinpath("pulumi-plugin.json").read_text(encoding="utf-8"))
    assert plugin == {"resource": True, "name": schema["name"], "version": schema["version"]}
    assert importlib.metadata.version("pulumi_vast") == schema["version"]
    assert resources.files("pulumi_vast").joinpath("py.typed").is_file()


def test_the_generated_sources_are_current():
    if shutil.which("go") is None:
        pytest.fail("Go is required to regenerate the SDK for comparison (scripts/gen-python-sdk.sh)")
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "gen-python-sdk.sh"), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
