/**
 * `vast:index:RotatingApiKey`: the plugin door to the runtime behind `RotatingVastApiKey` (same
 * inputs, same outputs, same validation, same plan), with the documentation its package schema
 * carries.
 */
import { PLUGIN_API_KEY_TYPE, PLUGIN_ROTATING_API_KEY_TYPE } from "../audit";
import type { RotatingKeyInputs } from "../rotating/inputs";
import { rotatingKeyInputsSchema } from "../rotating/inputs";
import * as runtime from "../rotating/runtime";
import { rotatingKeyStateSchema } from "../rotating/state";
import { PERMISSION_DOC_TYPE } from "./api-key";
import type { ObjectTypeDoc, ResourceKind } from "./kinds";

/** The fields of the stored outputs (the schema is loose, so `keyof RotatingKeyState` would be `string`). */
type StoredOutput = keyof typeof rotatingKeyStateSchema.shape;

const INPUT_DOCS: Record<keyof RotatingKeyInputs, string> = {
  name:
    "Base name, 1-240 characters: each key is named `<name>-<n>` on Vast (n = 1, 2, ...). Default: the resource name. " +
    "Changing it rolls to a new key (the old one stays valid as `previous` for the overlap).",
  permissions:
    'Permission document `{"api": {<category>: {...}}}` (e.g. `{"api": {"instance_read": {}, "instance_write": {}}}`). ' +
    "Changing it (object key order aside) rolls to a new key with the new rights; the old one stays valid as `previous` for the overlap.",
  keyParams: "Opaque key params string, passed to Vast verbatim (`key_params`). Changing it rolls to a new key.",
  rotateEveryDays:
    "Rotate once `current` is this many days old (greater than 0, fractions allowed): a new key becomes `current`, the old one " +
    "`previous`. Checked from state on every preview and update (no refresh needed). Changing it only changes the schedule.",
  overlapDays:
    "How long `previous` stays valid after a rotation, in days: 0 or more and less than `rotateEveryDays`. Default: a quarter of " +
    "`rotateEveryDays`. Changing it only changes the schedule.",
};

const KEY_DOC =
  "`{keyId, key, createdAt, name}`; secret as a whole, because it holds the key value. `createdAt` follows the provider's clock " +
  "(`VAST_NOW` when set).";

const OUTPUT_DOCS: { [K in StoredOutput]?: string } = {
  name: "The base name (keys are named `<name>-<n>`).",
  permissions: "The permission document of the current key, as declared.",
  keyParams: "The key params of the current key as declared, if any.",
  rotateEveryDays: "The rotation period in days.",
  overlapDays: "The overlap in days (the default filled in).",
  current: `The key consumers should use: ${KEY_DOC}`,
  previous: `The key that was current before the last rotation, while it is still valid (until \`retiresPreviousAt\`): ${KEY_DOC}`,
  rotatedAt: "When the last rotation (or roll) happened, ISO-8601 (the provider's clock); absent before the first.",
  retiresPreviousAt: "When `previous` is retired, ISO-8601 (`rotatedAt` + `overlapDays`); absent when there is no `previous`.",
  accountId:
    "The Vast account (user id) both keys belong to. Refresh, update and delete with a credential of another account fail " +
    "(`VAST_WRONG_ACCOUNT`) instead of treating the keys as gone.",
};

/**
 * Stored outputs that are bookkeeping: the state version, the generation counter behind the
 * `<n>` of key names, and what the last refresh saw of each key on Vast (`tracking`, which also
 * carries the key ids readable without decrypting secrets: `vast-api-keys audit` reads them).
 */
const INTERNAL_OUTPUTS: readonly StoredOutput[] = ["schemaVersion", "generation", "tracking"];

const ROTATING_KEY_TYPE: ObjectTypeDoc = {
  token: "vast:index:RotatingKey",
  description: "One Vast key of a rotating key. Secret as a whole: it holds the key value.",
  properties: {
    keyId: "Vast's numeric key id.",
    key: "The key value.",
    createdAt: "When the key was created, ISO-8601 (the provider's clock: `VAST_NOW` when set).",
    name: "The key's name on Vast, `<name>-<n>`.",
  },
  secretProperties: ["key"],
};

/** The `vast:index:RotatingApiKey` resource type. */
export const ROTATING_API_KEY: ResourceKind = {
  token: PLUGIN_ROTATING_API_KEY_TYPE,
  title: "rotating Vast API key",
  runtime,
  // `key` sits inside them; the engine marks whole top-level properties secret.
  secretOutputs: ["current", "previous"],
  secretInputs: [],
  nameInput: "name",
  notImportable:
    "a rotating key is two Vast keys and a schedule that exist only in Pulumi state, and its id is not a Vast key id, so there " +
    `is nothing to read by id. Import an existing key as a single key (\`pulumi import ${PLUGIN_API_KEY_TYPE} <name> <key id>\`), ` +
    "or declare the rotating key and let it create its own keys",
  schema: {
    description:
      "A Vast.ai API key for one role that rotates without an outage. It manages up to two Vast keys: `current`, the one consumers " +
      "should use, and `previous`, the one that was current before the last rotation, still valid for `overlapDays`. Every step is " +
      "an in-place update of this resource, decided from state on each preview and update (no refresh needed), with its reason " +
      "printed by the provider: `current` older than `rotateEveryDays` rotates (a new key becomes `current`, the old one " +
      "`previous`); `previous` past its overlap is retired (deleted); a changed `name`, `permissions` or `keyParams` rolls the same " +
      "way as a rotation; a `current` deleted outside Pulumi (seen by `pulumi refresh`) is recreated. A step deletes at most one " +
      "key, never `current`. Destroy deletes both keys. The resource id is a UUID of its own, so this type cannot be imported: " +
      "import single keys as `vast:index:ApiKey`.",
    inputs: rotatingKeyInputsSchema,
    outputs: rotatingKeyStateSchema,
    inputDocs: INPUT_DOCS,
    outputDocs: OUTPUT_DOCS,
    internalOutputs: INTERNAL_OUTPUTS,
    objectTypes: {
      permissions: PERMISSION_DOC_TYPE,
      current: ROTATING_KEY_TYPE,
      previous: ROTATING_KEY_TYPE,
    },
  },
};
