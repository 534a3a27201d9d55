/**
 * pulumi-vast-api-keys: manage Vast.ai API keys as code with Pulumi.
 *
 * @packageDocumentation
 */

export {
  API_KEY_TYPE,
  type AuditedKey,
  type AuditReport,
  auditKeys,
  formatReport,
  type ManagedKeyRef,
  managedKeysFromState,
  PLUGIN_API_KEY_TYPE,
  PLUGIN_ROTATING_API_KEY_TYPE,
  ROTATING_API_KEY_TYPE,
  type RotatingSlot,
} from "./audit";
export {
  type ClientStats,
  type CreatedKey,
  type CreateKeyRequest,
  type CurrentUser,
  VastClient,
  type VastClientOptions,
} from "./client/client";
export { DEFAULT_INTERVALS_MS, Pacer, type PacerOptions } from "./client/pacing";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./client/retry";
export type { RemoteKey } from "./client/wire";
export { type CredentialSources, DEFAULT_VAST_URL, type ResolvedCredentials, resolveCredentials } from "./credentials";
export * from "./errors";
export { type ApiKeyInputs, apiKeyInputsSchema, validateInputs } from "./inputs";
export { type ApiKeyInfo, type ListApiKeysOptions, listApiKeys } from "./keys";
export {
  type CategoryBody,
  CONSTRAINT_OPERATORS,
  type ConstraintOperators,
  canonicalJson,
  type EndpointBody,
  KNOWN_CATEGORIES,
  PermissionBuilder,
  type PermissionCategory,
  type PermissionDoc,
  type PresetName,
  permissionDocSchema,
  permissions,
  presets,
  unknownCategories,
} from "./permissions";
export { ApiKey, type ApiKeyArgs } from "./plugin/resource";
export { RotatingApiKey, type RotatingApiKeyArgs } from "./plugin/rotating-resource";
export { type AdoptArgs, VastApiKey, type VastApiKeyArgs } from "./resource";
export { type RotatingKey, RotatingVastApiKey, type RotatingVastApiKeyArgs } from "./rotating/resource";
export { rotatingVastApiKeyProvider, vastApiKeyProvider } from "./shim";
