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

/** Names of a shim's methods, in the order Pulumi's serializer writes them (the object's own order). */
type ShimMethod = keyof ResourceProvider;

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

const texts = new WeakMap<ResourceProvider, string>();

/**
 * The `__provider` text of a shim: exactly what Pulumi's closure serializer makes of it (what
 * `pulumi.dynamic.Resource` stores, `serializeFunction(() => provider)`), written out from each
 * method's own source. The methods capture nothing, so the serializer adds only a fixed frame around
 * each; writing that frame here spares every program run the serializer itself, which starts a V8
 * inspector session and walks every loaded script (0.3–0.8 s per program run: `npm run bench`,
 * dynamic-door breakdown). `tests/unit/shim.test.ts` checks it against `serializeFunction`.
 */
export function serializedShim(provider: ResourceProvider): string {
  let text = texts.get(provider);
  if (text !== undefined) return text;
  const methods = Object.entries(provider) as Array<[ShimMethod, (...a: unknown[]) => unknown]>;
  const frame = (captures: string, body: string) =>
    `() {\n  return (function() {\n    with({ ${captures}this: undefined, arguments: undefined }) {\n\nreturn ${body};\n\n    }\n  }).apply(undefined, undefined).apply(this, arguments);\n}\n`;
  text =
    "exports.handler = __f0;\n\n" +
    `var __provider = {${methods.map(([name], i) => `${name}: __f${i + 1}`).join(", ")}};\n\n` +
    methods.map(([, fn], i) => `function __f${i + 1}${frame("", fn.toString())}`).join("\n") +
    `\nfunction __f0${frame("provider: __provider, ", "() => provider")}`;
  texts.set(provider, text);
  return text;
}
