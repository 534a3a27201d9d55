"""Per-environment scoped Vast.ai API keys. Each stack (dev, staging, prod) declares in its config
which keys it needs and with which preset or permission document::

    vast-api-keys-python:keys:
      autoscaler: { preset: instanceManagementWithoutBilling, rotateAfterDays: 90 }
      monitoring: { preset: readOnly }
      ci: { permissions: { api: { instance_read: {} } } }

Each key is named ``<stack>-<role>`` on Vast. Key values are stack outputs, secret.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_vast as vast
from pulumi_vast import presets

config = pulumi.Config()
env = pulumi.get_stack()
plan: dict[str, dict[str, Any]] = config.require_object("keys")


def permissions_for(role: str, spec: dict[str, Any]) -> Any:
    """The key's permission document: a full document, or a preset by name."""
    if "permissions" in spec:
        return spec["permissions"]
    if "preset" in spec:
        try:
            return presets.preset(spec["preset"])
        except ValueError as err:
            raise ValueError(f"keys.{role}.preset: {err}") from None
    raise ValueError(f'keys.{role}: set "permissions" or "preset" (one of {", ".join(presets.PRESETS)})')


keys: dict[str, vast.ApiKey] = {
    role: vast.ApiKey(
        f"{env}-{role}",
        permissions=permissions_for(role, spec),
        rotate_after_days=spec.get("rotateAfterDays"),
    )
    for role, spec in plan.items()
}

# Vast key ids, by role.
pulumi.export("keyIds", {role: key.key_id for role, key in keys.items()})
# Key values, by role. Secret: read them with `pulumi stack output keyValues --show-secrets`.
pulumi.export("keyValues", {role: key.key for role, key in keys.items()})
