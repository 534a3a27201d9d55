/**
 * `vast:index:ApiKey`: the plugin door to the runtime behind `VastApiKey` (same inputs, same
 * outputs, same validation), with the documentation its package schema carries.
 */
import { PLUGIN_API_KEY_TYPE } from "../audit";
import type { ApiKeyInputs } from "../inputs";
import { apiKeyInputsSchema } from "../inputs";
import * as runtime from "../runtime";
import { apiKeyOutputsSchema } from "../state";
import type { ObjectTypeDoc, ResourceKind } from "./kinds";

/** The fields of the stored outputs (the schema is loose, so `keyof ApiKeyOutputs` would be `string`). */
type StoredOutput = keyof typeof apiKeyOutputsSchema.shape;

const INPUT_DOCS: Record<keyof ApiKeyInputs, string> = {
  name:
    'Key name shown in the Vast console, up to 255 characters; "" for a key without a name (as the console makes them). ' +
    "Default: the resource name. Changing it replaces the key.",
  permissions:
    'Permission document `{"api": {<category>: {...}}}` (e.g. `{"api": {"instance_read": {}, "instance_write": {}}}`). ' +
    "Changing it (object key order aside) replaces the key: Vast keys are immutable.",
  keyParams: "Opaque key params string, passed to Vast verbatim (`key_params`). Changing it replaces the key.",
  rotateAfterDays:
    "Rotate (replace) the key once it is this many days old, by `createdAt`; checked on every preview and update. " +
    "Changing this value alone never replaces the key. Fractions are allowed.",
  rotationTrigger: "Any string; each change replaces (rotates) the key.",
  adopt:
    "Adopt an existing key instead of creating one: the resource's first create verifies that it exists and matches the declared " +
    "name, permissions (a key without a permission document is full access: declare every documented category) and key params. " +
    "Ignored once the resource exists, so a replacement creates a new key. Stored as a secret. `pulumi import` is the other way " +
    "to take an existing key under management.",
};

const OUTPUT_DOCS: { [K in StoredOutput]?: string } = {
  name: "The key's name.",
  permissions: "The permission document as declared (for an imported key: as Vast reports it).",
  keyParams: "The key params as declared, if any.",
  key: "The key value. Secret. Absent for keys imported or adopted without their value: Vast shows a value only once.",
  createdAt: "Creation time, ISO-8601.",
  keyId: "Vast's numeric key id (the resource id is the same number as a string).",
  accountId:
    "The Vast account (user id) the key belongs to. Refresh, update and delete with a credential of another account fail " +
    "(`VAST_WRONG_ACCOUNT`) instead of treating the key as gone.",
  rotateAfterDays: "The configured rotation age in days, if any.",
  rotationTrigger: "The configured rotation trigger, if any.",
};

/** The permission document's schema type, shared by every resource type that takes one. */
export const PERMISSION_DOC_TYPE: ObjectTypeDoc = {
  token: "vast:index:PermissionDoc",
  description: 'A Vast permission document: `{"api": {<category>: {<endpoint>: {constraints?, params?}}}}`.',
  properties: {
    api: "Permission categories (e.g. `instance_read`), each granting the whole category (`{}`) or listed endpoints with constraints.",
  },
};

/** Stored outputs that are bookkeeping for drift detection and state upgrades. */
const INTERNAL_OUTPUTS: readonly StoredOutput[] = ["schemaVersion", "serverRights", "serverRightsBaseline", "adopted"];

/** The `vast:index:ApiKey` resource type. */
export const API_KEY: ResourceKind = {
  token: PLUGIN_API_KEY_TYPE,
  title: "Vast API key",
  runtime,
  secretOutputs: ["key"],
  // `VastApiKey` wraps the whole `adopt` input (it may hold a key value) in `pulumi.secret`.
  secretInputs: ["adopt"],
  nameInput: "name",
  schema: {
    description:
      "A Vast.ai API key. Vast keys are immutable: changing `name`, `permissions`, `keyParams` or `rotationTrigger` replaces the key, " +
      "creating the new key before deleting the old one. The key value is returned once, at creation, as the secret output `key`. " +
      "`pulumi refresh` detects keys deleted or re-scoped outside Pulumi. Existing keys can be imported by their numeric id: " +
      "`pulumi import vast:index:ApiKey <name> <id>`.",
    inputs: apiKeyInputsSchema,
    outputs: apiKeyOutputsSchema,
    inputDocs: INPUT_DOCS,
    outputDocs: OUTPUT_DOCS,
    internalOutputs: INTERNAL_OUTPUTS,
    objectTypes: {
      permissions: PERMISSION_DOC_TYPE,
      adopt: {
        token: "vast:index:ApiKeyAdopt",
        description: "An existing key to adopt instead of creating one.",
        properties: {
          keyId: "Vast's numeric id of the existing key.",
          key:
            "The key's value, if you have it: returned as the secret `key` output. A value Vast rejects, or another key's value, is " +
            "refused; a value without `user_read` cannot prove which key it is and is accepted with a warning.",
        },
        secretProperties: ["key"],
      },
    },
  },
};
