/**
 * What the `vast` plugin needs to know about one resource type: the runtime that implements it
 * (the very module the dynamic resource's serialized shim requires), what the plugin adds around
 * it (secrecy of fields, the default name), and the sources of its package schema.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { z } from "zod";

type Props = Record<string, unknown>;

/**
 * The operations of a runtime module, with the dynamic provider's signatures (the plugin calls
 * them with exactly the arguments the dynamic-provider host would).
 */
export interface ResourceRuntime {
  /** Receives provider configuration (stack config `vast:*`). */
  configure(req: dynamic.ConfigureRequest): Promise<void>;
  /** Validates inputs. */
  check(olds: Props, news: Props): Promise<dynamic.CheckResult>;
  /** Compares stored outputs with new inputs. */
  diff(id: string, olds: Props, news: Props): Promise<dynamic.DiffResult>;
  /** Creates the resource. */
  create(inputs: Props): Promise<dynamic.CreateResult>;
  /** Reads the resource; no id in the result means it is gone. */
  read(id: string, props?: Props): Promise<dynamic.ReadResult>;
  /** Updates in place. */
  update(id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult>;
  /** Deletes the resource. */
  delete(id: string, props: Props): Promise<void>;
}

/** An object-valued input described as a named type of the package schema. */
export interface ObjectTypeDoc {
  /** Type token, e.g. `vast:index:ApiKeyAdopt`. */
  token: string;
  /** What the object is. */
  description: string;
  /** One description per property of the object. */
  properties: Record<string, string>;
  /** Properties marked secret. */
  secretProperties?: readonly string[];
}

/** The sources of a resource type's schema: its zod schemas and its documentation. */
export interface ResourceSchemaSource {
  /** Resource description (markdown). */
  description: string;
  /** The zod schema the runtime validates inputs with. */
  inputs: z.ZodObject;
  /** The zod schema of the outputs the runtime stores. */
  outputs: z.ZodObject;
  /** One description per input. */
  inputDocs: Record<string, string>;
  /** One description per public output. */
  outputDocs: Record<string, string>;
  /** Stored outputs that are bookkeeping, not part of the resource's public shape. */
  internalOutputs: readonly string[];
  /**
   * Object-valued properties that get a named schema type, by property name (an input, or an
   * output that is not an input).
   */
  objectTypes: Record<string, ObjectTypeDoc>;
}

/** One resource type of the plugin. */
export interface ResourceKind {
  /** Pulumi type token, e.g. `vast:index:ApiKey`. */
  token: string;
  /** What a user calls it in messages. */
  title: string;
  /** The implementation. */
  runtime: ResourceRuntime;
  /** Outputs always returned as secrets. */
  secretOutputs: readonly string[];
  /** Inputs always stored as secrets, however the program sent them. */
  secretInputs: readonly string[];
  /** The input that defaults to the Pulumi resource name, as the dynamic resource's class does it. */
  nameInput?: string;
  /**
   * Set for a type that `pulumi import` cannot serve (nothing to read by id alone): why, and what
   * to do instead. An import then fails with this text before any API call.
   */
  notImportable?: string;
  /** Schema sources. */
  schema: ResourceSchemaSource;
}
