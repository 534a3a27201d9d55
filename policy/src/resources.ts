/**
 * The resource types this pack inspects: the one place that lists them. Dynamic resources carry
 * the `pulumi-nodejs:dynamic/` prefix (the dynamic provider's type token); the provider plugin's
 * resources use the `vast:index:` module. The inputs of both generations have the same names.
 */

/** How a key resource rotates: by its own age (`ApiKey`) or by construction (`RotatingApiKey`). */
export type KeyKind = "ApiKey" | "RotatingApiKey";

/** Every resource type the policies apply to, with its kind. */
export const KEY_RESOURCE_TYPES: Readonly<Record<string, KeyKind>> = {
  "pulumi-nodejs:dynamic/vast:ApiKey": "ApiKey",
  "pulumi-nodejs:dynamic/vast:RotatingApiKey": "RotatingApiKey",
  "vast:index:ApiKey": "ApiKey",
  "vast:index:RotatingApiKey": "RotatingApiKey",
};

/** The kind of a key resource type, or `undefined` for every other resource. */
export function keyKindOf(type: string): KeyKind | undefined {
  return Object.hasOwn(KEY_RESOURCE_TYPES, type) ? KEY_RESOURCE_TYPES[type] : undefined;
}
