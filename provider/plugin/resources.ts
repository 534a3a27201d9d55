/**
 * The resource types the `vast` plugin serves, by type token. Adding a resource type is adding
 * its entry (a {@link ResourceKind}) here; dispatch and the schema follow from the table.
 */
import { API_KEY } from "./api-key";
import type { ResourceKind } from "./kinds";
import { ROTATING_API_KEY } from "./rotating-api-key";

/** Every resource type of the plugin, by type token. */
export const RESOURCE_KINDS: ReadonlyMap<string, ResourceKind> = new Map([API_KEY, ROTATING_API_KEY].map((k) => [k.token, k]));
