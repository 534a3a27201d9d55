/**
 * The serialized dynamic provider. Pulumi stores this object's code in state as `__provider`
 * and runs it in the engine's provider process, so each method is one `require` of the
 * implementation by package path: no logic, no configuration, no credential. The
 * implementation (`pulumi-vast-api-keys/runtime`) is resolved from the Pulumi program's
 * `node_modules` when it runs, which is why a newer package version also serves `refresh` and
 * `destroy` of resources created by older ones.
 *
 * Written this way on purpose: functions that capture nothing serialize to their own text only,
 * and rest parameters keep each wrapper minimal, so `__provider` stays under 2 KB (a test
 * measures it).
 */
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";

/** The `ResourceProvider` of `VastApiKey`, usable directly by tests and tools. */
export const vastApiKeyProvider: ResourceProvider = {
  configure: (...a) => require("pulumi-vast-api-keys/runtime").configure(...a),
  check: (...a) => require("pulumi-vast-api-keys/runtime").check(...a),
  diff: (...a) => require("pulumi-vast-api-keys/runtime").diff(...a),
  create: (...a) => require("pulumi-vast-api-keys/runtime").create(...a),
  read: (...a) => require("pulumi-vast-api-keys/runtime").read(...a),
  update: (...a) => require("pulumi-vast-api-keys/runtime").update(...a),
  delete: (...a) => require("pulumi-vast-api-keys/runtime").delete(...a),
};

/**
 * The `ResourceProvider` of `RotatingVastApiKey`: the same one-`require`-per-method shim, naming
 * `pulumi-vast-api-keys/rotating` (kept short so `__provider` stays under 2 KB as well).
 */
export const rotatingVastApiKeyProvider: ResourceProvider = {
  configure: (...a) => require("pulumi-vast-api-keys/rotating").configure(...a),
  check: (...a) => require("pulumi-vast-api-keys/rotating").check(...a),
  diff: (...a) => require("pulumi-vast-api-keys/rotating").diff(...a),
  create: (...a) => require("pulumi-vast-api-keys/rotating").create(...a),
  read: (...a) => require("pulumi-vast-api-keys/rotating").read(...a),
  update: (...a) => require("pulumi-vast-api-keys/rotating").update(...a),
  delete: (...a) => require("pulumi-vast-api-keys/rotating").delete(...a),
};
