/**
 * The `vast` package schema (served by `GetSchema`, and written to `schema.json` by
 * `npm run schema`), built from the resource table: property names, types and which inputs are
 * required come from the zod schemas the runtime validates with, the text from each resource's
 * documentation, secrecy from the same lists the provider uses to wrap secrets.
 */
import { z } from "zod";
import { PROVIDER_CONFIG } from "./config";
import type { ObjectTypeDoc, ResourceKind } from "./kinds";
import { RESOURCE_KINDS } from "./resources";
import { PLUGIN_VERSION } from "./version";

/** A property in a Pulumi package schema (the subset this package uses). */
export interface PropertySpec {
  type?: "string" | "number" | "integer" | "boolean" | "object" | "array";
  $ref?: string;
  additionalProperties?: PropertySpec;
  description?: string;
  secret?: boolean;
}

/** A resource or object type in a Pulumi package schema. */
export interface ObjectSpec {
  type?: "object";
  description: string;
  properties: Record<string, PropertySpec>;
  required?: string[];
  inputProperties?: Record<string, PropertySpec>;
  requiredInputs?: string[];
}

/** The package schema (the subset this package uses). */
export interface PackageSchema {
  name: string;
  displayName: string;
  version: string;
  description: string;
  license: string;
  keywords: string[];
  config: { variables: Record<string, PropertySpec> };
  provider: { description: string; inputProperties: Record<string, PropertySpec> };
  resources: Record<string, ObjectSpec>;
  types: Record<string, ObjectSpec>;
}

/** The JSON Schema subset `z.toJSONSchema` produces for our inputs and outputs. */
interface JsonNode {
  type?: string | string[];
  properties?: Record<string, JsonNode>;
  additionalProperties?: JsonNode | boolean;
  required?: string[];
}

const ANY: PropertySpec = { $ref: "pulumi.json#/Any" };
const PRIMITIVES = new Set(["string", "number", "integer", "boolean"]);

function jsonSchemaOf(schema: z.ZodObject, io: "input" | "output"): JsonNode {
  return z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonNode;
}

function primitiveType(node: JsonNode): PropertySpec["type"] | undefined {
  const types = (Array.isArray(node.type) ? node.type : [node.type]).filter((t) => t !== "null");
  const [only] = types;
  return types.length === 1 && only !== undefined && PRIMITIVES.has(only) ? (only as PropertySpec["type"]) : undefined;
}

/**
 * Maps one JSON Schema node to a schema property: primitives as they are, objects with a named
 * type (registered in `types`) by reference, maps of primitives as maps, anything else as Any
 * (the runtime's `check` validates those with path-precise messages).
 */
function propertySpec(node: JsonNode, objectType: ObjectTypeDoc | undefined, types: Record<string, ObjectSpec>): PropertySpec {
  const primitive = primitiveType(node);
  if (primitive) return { type: primitive };
  if (objectType && node.properties) {
    const properties: Record<string, PropertySpec> = {};
    for (const [name, child] of Object.entries(node.properties)) {
      const description = objectType.properties[name];
      if (description === undefined) throw new Error(`schema: ${objectType.token}.${name} has no description`);
      properties[name] = {
        ...propertySpec(child, undefined, types),
        description,
        ...(objectType.secretProperties?.includes(name) ? { secret: true } : {}),
      };
    }
    types[objectType.token] = {
      type: "object",
      description: objectType.description,
      properties,
      ...(node.required?.length ? { required: [...node.required] } : {}),
    };
    return { $ref: `#/types/${objectType.token}` };
  }
  if (node.type === "object" && !node.properties && typeof node.additionalProperties === "object") {
    const value = primitiveType(node.additionalProperties);
    return { type: "object", additionalProperties: value ? { type: value } : ANY };
  }
  return ANY;
}

function resourceSpec(kind: ResourceKind, types: Record<string, ObjectSpec>): ObjectSpec {
  const src = kind.schema;
  const inputs = jsonSchemaOf(src.inputs, "input");
  const outputs = jsonSchemaOf(src.outputs, "output");
  const inputProperties: Record<string, PropertySpec> = {};
  for (const [name, node] of Object.entries(inputs.properties ?? {})) {
    const description = src.inputDocs[name];
    if (description === undefined) throw new Error(`schema: input ${kind.token}.${name} has no description`);
    inputProperties[name] = {
      ...propertySpec(node, src.objectTypes[name], types),
      description,
      ...(kind.secretInputs.includes(name) ? { secret: true } : {}),
    };
  }
  const properties: Record<string, PropertySpec> = {};
  for (const [name, description] of Object.entries(src.outputDocs)) {
    const node = outputs.properties?.[name];
    if (!node) throw new Error(`schema: output ${kind.token}.${name} is documented but not stored`);
    // An output that echoes an input has the input's type.
    const { description: _, secret: __, ...type } = inputProperties[name] ?? propertySpec(node, src.objectTypes[name], types);
    properties[name] = { ...type, description, ...(kind.secretOutputs.includes(name) ? { secret: true } : {}) };
  }
  const requiredInputs = (inputs.required ?? []).filter((name) => name !== kind.nameInput);
  return {
    description: src.description,
    properties,
    required: (outputs.required ?? []).filter((name) => name in properties),
    inputProperties,
    requiredInputs,
  };
}

/** Builds the package schema for the given resource types. */
export function buildSchema(kinds: Iterable<ResourceKind> = RESOURCE_KINDS.values(), version: string = PLUGIN_VERSION): PackageSchema {
  const types: Record<string, ObjectSpec> = {};
  const resources: Record<string, ObjectSpec> = {};
  for (const kind of kinds) resources[kind.token] = resourceSpec(kind, types);
  const config: Record<string, PropertySpec> = {};
  for (const [key, doc] of Object.entries(PROVIDER_CONFIG)) {
    config[key] = { type: "string", description: doc.description, ...(doc.secret ? { secret: true } : {}) };
  }
  return {
    name: "vast",
    displayName: "Vast.ai API keys",
    version,
    description: "Manage Vast.ai API keys as code: scoped keys per environment, drift detection, rotation, import of existing keys.",
    license: "Apache-2.0",
    keywords: ["pulumi", "vast", "vastai", "api-keys"],
    config: { variables: config },
    provider: { description: "The vast provider: credentials and endpoint of the Vast API.", inputProperties: config },
    resources,
    types,
  };
}

/** The schema as served by `GetSchema` and stored in `schema.json` (stable formatting). */
export function schemaJson(): string {
  return `${JSON.stringify(buildSchema(), null, 2)}\n`;
}
