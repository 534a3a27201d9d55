/**
 * pulumi-vast-api-keys: manage Vast.ai API keys as code with Pulumi.
 *
 * @packageDocumentation
 */
export { type AdoptArgs, VastApiKey, type VastApiKeyArgs } from "./resource";
export { vastApiKeyProvider } from "./shim";
export {
  CONSTRAINT_OPERATORS,
  type CategoryBody,
  type ConstraintOperators,
  type EndpointBody,
  KNOWN_CATEGORIES,
  type PermissionCategory,
  type PermissionDoc,
  PermissionBuilder,
  type PresetName,
  canonicalJson,
  permissionDocSchema,
  permissions,
  presets,
  unknownCategories,
} from "./permissions";
export { type ApiKeyInputs, apiKeyInputsSchema, validateInputs } from "./inputs";
export {
  type ClientStats,
  type CreateKeyRequest,
  type CreatedKey,
  type CurrentUser,
  VastClient,
  type VastClientOptions,
} from "./client/client";
export type { RemoteKey } from "./client/wire";
export { DEFAULT_INTERVALS_MS, Pacer, type PacerOptions } from "./client/pacing";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./client/retry";
export { type CredentialSources, DEFAULT_VAST_URL, type ResolvedCredentials, resolveCredentials } from "./credentials";
export { type ApiKeyInfo, type ListApiKeysOptions, listApiKeys } from "./keys";
export * from "./errors";
