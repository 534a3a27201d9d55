/**
 * The `vast` package schema: committed `schema.json` is what `GetSchema` serves, every input and
 * every public output of each resource is present and documented, key values are secret.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { apiKeyInputsSchema } from "../../provider/inputs";
import { API_KEY } from "../../provider/plugin/api-key";
import { RESOURCE_KINDS } from "../../provider/plugin/resources";
import { ROTATING_API_KEY } from "../../provider/plugin/rotating-api-key";
import { buildSchema, type PropertySpec, schemaJson } from "../../provider/plugin/schema";
import { rotatingKeyInputsSchema } from "../../provider/rotating/inputs";
import { rotatingKeyStateSchema } from "../../provider/rotating/state";
import { apiKeyOutputsSchema } from "../../provider/state";
import { ROOT } from "../helpers/emulator";

const schema = buildSchema();
const apiKey = schema.resources["vast:index:ApiKey"];
if (!apiKey) throw new Error("vast:index:ApiKey missing from the schema");
const inputs = apiKey.inputProperties ?? {};

/** The outputs docs/api-key.md documents for `VastApiKey` (the resource's public shape). */
const DOCUMENTED_OUTPUTS = [
  "name",
  "permissions",
  "keyParams",
  "key",
  "createdAt",
  "keyId",
  "accountId",
  "rotateAfterDays",
  "rotationTrigger",
];

function refType(spec: PropertySpec | undefined) {
  const token = spec?.$ref?.replace("#/types/", "");
  const type = token ? schema.types[token] : undefined;
  if (!type) throw new Error(`no schema type behind ${spec?.$ref}`);
  return type;
}

describe("package schema", () => {
  it("schema.json in the repository is exactly what GetSchema serves (run `npm run schema` after changing it)", () => {
    expect(fs.readFileSync(path.join(ROOT, "schema.json"), "utf8")).toBe(schemaJson());
  });

  it("names the package vast, at the package version, with a resource for every type the plugin serves", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(schema).toMatchObject({ name: "vast", version: pkg.version });
    expect(Object.keys(schema.resources).sort()).toEqual([...RESOURCE_KINDS.keys()].sort());
  });

  it("has every input the runtime validates, each with a description; only permissions is required", () => {
    expect(Object.keys(inputs).sort()).toEqual(Object.keys(apiKeyInputsSchema.shape).sort());
    for (const spec of Object.values(inputs)) expect(spec.description?.length).toBeGreaterThan(10);
    // `name` defaults to the resource name, as with VastApiKey.
    expect(apiKey.requiredInputs).toEqual(["permissions"]);
  });

  it("has every documented output, and every stored output is either public or declared internal", () => {
    expect(Object.keys(apiKey.properties).sort()).toEqual([...DOCUMENTED_OUTPUTS].sort());
    const stored = Object.keys(apiKeyOutputsSchema.shape);
    const classified = [...Object.keys(apiKey.properties), ...API_KEY.schema.internalOutputs];
    expect(stored.filter((f) => !classified.includes(f))).toEqual([]);
    for (const spec of Object.values(apiKey.properties)) expect(spec.description?.length).toBeGreaterThan(5);
    expect(apiKey.required).toEqual(expect.arrayContaining(["keyId", "name", "createdAt", "permissions"]));
    expect(apiKey.required).not.toContain("key");
  });

  it("marks the key value secret, and the adopt input (which may hold a key value)", () => {
    const secretOutputs = Object.entries(apiKey.properties).filter(([, s]) => s.secret);
    expect(secretOutputs.map(([n]) => n)).toEqual(["key"]);
    expect(inputs.adopt?.secret).toBe(true);
    expect(refType(inputs.adopt).properties.key?.secret).toBe(true);
    expect(schema.config.variables.apiKey?.secret).toBe(true);
    expect(schema.provider.inputProperties.apiKey?.secret).toBe(true);
  });

  it("types inputs as the runtime does: numbers, strings, the permission document as an object", () => {
    expect(inputs.name?.type).toBe("string");
    expect(inputs.rotateAfterDays?.type).toBe("number");
    expect(refType(inputs.adopt).properties.keyId?.type).toBe("integer");
    expect(refType(inputs.adopt).required).toEqual(["keyId"]);
    expect(refType(inputs.permissions).required).toEqual(["api"]);
    expect(apiKey.properties.permissions?.$ref).toBe(inputs.permissions?.$ref);
    expect(apiKey.properties.keyId?.type).toBe("integer");
  });
});

/** The outputs `RotatingVastApiKey` declares (its public shape), plus `accountId` as for `ApiKey`. */
const ROTATING_OUTPUTS = [
  "name",
  "permissions",
  "keyParams",
  "rotateEveryDays",
  "overlapDays",
  "current",
  "previous",
  "rotatedAt",
  "retiresPreviousAt",
  "accountId",
];

describe("package schema of vast:index:RotatingApiKey", () => {
  const rotating = schema.resources["vast:index:RotatingApiKey"];
  if (!rotating) throw new Error("vast:index:RotatingApiKey missing from the schema");
  const rotatingInputs = rotating.inputProperties ?? {};

  it("has every input the runtime validates, each with a description; permissions and rotateEveryDays are required", () => {
    expect(Object.keys(rotatingInputs).sort()).toEqual(Object.keys(rotatingKeyInputsSchema.shape).sort());
    for (const spec of Object.values(rotatingInputs)) expect(spec.description?.length).toBeGreaterThan(10);
    expect(rotating.requiredInputs).toEqual(["permissions", "rotateEveryDays"]);
    expect([rotatingInputs.rotateEveryDays?.type, rotatingInputs.overlapDays?.type, rotatingInputs.name?.type]).toEqual([
      "number",
      "number",
      "string",
    ]);
    expect(rotatingInputs.permissions?.$ref).toBe(inputs.permissions?.$ref);
  });

  it("has RotatingVastApiKey's outputs, and every stored output is either public or declared internal", () => {
    expect(Object.keys(rotating.properties).sort()).toEqual([...ROTATING_OUTPUTS].sort());
    const stored = Object.keys(rotatingKeyStateSchema.shape);
    const classified = [...Object.keys(rotating.properties), ...ROTATING_API_KEY.schema.internalOutputs];
    expect(stored.filter((f) => !classified.includes(f))).toEqual([]);
    expect(ROTATING_API_KEY.schema.internalOutputs).toEqual(expect.arrayContaining(["schemaVersion", "tracking"]));
    for (const spec of Object.values(rotating.properties)) expect(spec.description?.length).toBeGreaterThan(5);
  });

  it("marks current and previous secret as a whole, and the key value inside them", () => {
    const secretOutputs = Object.entries(rotating.properties).filter(([, s]) => s.secret);
    expect(secretOutputs.map(([n]) => n).sort()).toEqual(["current", "previous"]);
    expect(rotating.properties.current?.$ref).toBe("#/types/vast:index:RotatingKey");
    expect(rotating.properties.previous?.$ref).toBe(rotating.properties.current?.$ref);
    const key = refType(rotating.properties.current);
    expect(Object.keys(key.properties).sort()).toEqual(["createdAt", "key", "keyId", "name"]);
    expect(Object.entries(key.properties).flatMap(([n, p]) => (p.secret ? [n] : []))).toEqual(["key"]);
    expect(key.properties.keyId?.type).toBe("integer");
  });
});
