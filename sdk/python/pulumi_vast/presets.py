"""Named permission presets: the same documents as the TypeScript package's ``presets``.

Hand-written (the rest of the package is generated from the provider schema). Each function
returns a fresh, plain ``{"api": {<category>: {}}}`` document, so a caller may change it freely::

    import pulumi_vast as vast
    from pulumi_vast import presets

    vast.ApiKey("ci-deploy", permissions=presets.instance_management_without_billing())

Stack config can name a preset as the TypeScript package does (``readOnly``, ...): see :func:`preset`.
The presets follow the scoping examples of https://docs.vast.ai/api-reference/permissions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from ._inputs import PermissionDocArgsDict

__all__ = [
    "KNOWN_CATEGORIES",
    "PRESETS",
    "full_access",
    "instance_management_only",
    "instance_management_with_billing",
    "instance_management_without_billing",
    "preset",
    "read_only",
]

#: The documented permission categories, plus the two the Vast server also knows (agents_*).
KNOWN_CATEGORIES: tuple[str, ...] = (
    "instance_read",
    "instance_write",
    "user_read",
    "user_write",
    "billing_read",
    "billing_write",
    "machine_read",
    "machine_write",
    "misc",
    "team_read",
    "team_write",
    "agents_read",
    "agents_write",
)


def _whole(categories: Iterable[str]) -> PermissionDocArgsDict:
    return {"api": {category: {} for category in categories}}


def read_only() -> PermissionDocArgsDict:
    """Read-only across resources: every ``*_read`` category."""
    return _whole(["instance_read", "user_read", "billing_read", "machine_read", "team_read"])


def instance_management_only() -> PermissionDocArgsDict:
    """Instance management only: read and write instances, nothing else."""
    return _whole(["instance_read", "instance_write"])


def instance_management_without_billing() -> PermissionDocArgsDict:
    """Instance management without billing (the Vast docs' example): search offers, account info, instances."""
    return _whole(["misc", "user_read", "instance_read", "instance_write"])


def instance_management_with_billing() -> PermissionDocArgsDict:
    """Instance management with billing access (the Vast docs' example)."""
    return _whole(["misc", "user_read", "instance_read", "instance_write", "billing_read", "billing_write"])


def full_access() -> PermissionDocArgsDict:
    """Full access: every documented category, listed explicitly rather than relying on server defaults."""
    return _whole(KNOWN_CATEGORIES[:11])


#: The presets by the names the TypeScript package (and its stack configs) use.
PRESETS: Mapping[str, Callable[[], PermissionDocArgsDict]] = {
    "readOnly": read_only,
    "instanceManagementOnly": instance_management_only,
    "instanceManagementWithoutBilling": instance_management_without_billing,
    "instanceManagementWithBilling": instance_management_with_billing,
    "fullAccess": full_access,
}


def preset(name: str) -> PermissionDocArgsDict:
    """Returns the preset called ``name``: its TypeScript name (``readOnly``) or its function name (``read_only``).

    :raises ValueError: for any other name, listing the known ones.
    """
    by_function = {fn.__name__: fn for fn in PRESETS.values()}
    fn = PRESETS.get(name) or by_function.get(name)
    if fn is None:
        raise ValueError(f"unknown permission preset {name!r}; known presets: {', '.join(PRESETS)}")
    return fn()
