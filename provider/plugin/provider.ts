/**
 * The `vast` plugin's provider: resource operations addressed by URN, dispatched by type token
 * to the runtime behind the matching dynamic resource (`VastApiKey`, `RotatingVastApiKey`; see
 * `resources.ts`). It owns only what differs
 * between the two doors:
 *
 * - secrets: inputs arrive with secret wrappers and state comes back with them, the runtime
 *   works on plain values; answers wrap the key value, the inputs that must stay secret, and
 *   every field that was secret on the way in;
 * - defaults the dynamic resource's class fills program-side (the key name);
 * - import: a `read` that finds nothing for an id it was given without state is an error
 *   (an unknown id), while on refresh it means the key is gone and the engine drops it.
 *
 * Method signatures are those of `@pulumi/pulumi/provider`'s `Provider`, so the class also runs
 * under that SDK's own server; `server.ts` adds configuration, which that server drops.
 */
import type * as provider from "@pulumi/pulumi/provider";
import { ErrorCodes, VastError, VastPartialUpdateError } from "../errors";
import { checkProviderConfig, configureRequest, type ProviderConfig } from "./config";
import type { ResourceKind } from "./kinds";
import { RESOURCE_KINDS } from "./resources";
import { markSecret, revealProps } from "./secrets";

type Props = Record<string, unknown>;

/** The type token and resource name of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0]?.startsWith("urn:pulumi:")) throw new Error(`malformed resource URN "${urn}"`);
  // A child resource's qualified type is `<parent type>$<type>`; its own type is the last one.
  const type = (parts[2] ?? "").split("$").pop() ?? "";
  return { type, name: parts.slice(3).join("::") };
}

function withDefaultName(kind: ResourceKind, resourceName: string, news: Props): Props {
  const field = kind.nameInput;
  return field === undefined || news[field] !== undefined ? news : { ...news, [field]: resourceName };
}

/** Options of {@link VastProvider}. */
export interface VastProviderOptions {
  /** The plugin version reported to the engine. */
  version: string;
  /** The package schema served by `GetSchema`, or a function building it on first use. */
  schema: string | (() => string);
  /** Resource types served (default: all of {@link RESOURCE_KINDS}). */
  kinds?: ReadonlyMap<string, ResourceKind>;
}

/** The provider behind the `pulumi-resource-vast` plugin. */
export class VastProvider implements provider.Provider {
  /** Plugin version. */
  readonly version: string;
  private readonly kinds: ReadonlyMap<string, ResourceKind>;
  private schemaSource: string | (() => string);

  constructor(options: VastProviderOptions) {
    this.version = options.version;
    this.schemaSource = options.schema;
    this.kinds = options.kinds ?? RESOURCE_KINDS;
  }

  /** Validates provider configuration (`vast:apiKey`, `vast:url`); returns the inputs unchanged. */
  checkConfig(news: Props): provider.CheckResult {
    return { inputs: news, failures: checkProviderConfig(news) };
  }

  /** Hands provider configuration to every runtime, which resolves credentials as the dynamic resource does. */
  async configure(config: ProviderConfig): Promise<void> {
    // Runtimes may share one `configure` (the rotating runtime re-exports the main one's).
    const configures = new Set([...this.kinds.values()].map((k) => k.runtime.configure));
    for (const configure of configures) await configure(configureRequest(config));
  }

  /** Validates inputs (same messages as the dynamic resource), after filling the default name. */
  async check(urn: string, olds: Props, news: Props): Promise<provider.CheckResult> {
    const { kind, name } = this.kindOf(urn);
    const revealed = revealProps(news);
    const result = await kind.runtime.check(revealProps(olds).plain, withDefaultName(kind, name, revealed.plain));
    const inputs = result.inputs === undefined ? undefined : markSecret(result.inputs, [...revealed.secretFields, ...kind.secretInputs]);
    return { inputs, failures: result.failures ?? [] };
  }

  /** Decides between no change, update and replacement. */
  async diff(id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
    const { kind } = this.kindOf(urn);
    return kind.runtime.diff(id, revealProps(olds).plain, revealProps(news).plain);
  }

  /** Creates the resource; the key value comes back as a secret. */
  async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
    const { kind } = this.kindOf(urn);
    const revealed = revealProps(inputs);
    const result = await kind.runtime.create(revealed.plain);
    return { id: result.id, outs: this.secretOutputs(kind, result.outs, revealed.secretFields) };
  }

  /**
   * Refresh (`props` is the stored state) or import (`props` is empty: only the id is known).
   * A resource that is gone has no id in the answer, which makes the engine drop it on refresh;
   * on import the same answer is an unknown id and fails with a message saying so. A type that
   * cannot be read by id alone refuses an import before any API call.
   */
  async read(id: string, urn: string, props?: Props, oldInputs?: Props): Promise<provider.ReadResult> {
    const { kind } = this.kindOf(urn);
    const state = revealProps(props);
    const importing = Object.keys(state.plain).length === 0;
    if (importing && kind.notImportable !== undefined) {
      // The id is not echoed: a key value pasted there must not reach a log.
      throw new VastError(ErrorCodes.invalidInput, `cannot import ${kind.token} "${parseUrn(urn).name}": ${kind.notImportable}`);
    }
    const result = await kind.runtime.read(id, state.plain);
    if (!result.id) {
      if (!importing) return {};
      throw new VastError(
        ErrorCodes.notFound,
        `cannot import ${kind.token} "${parseUrn(urn).name}": no ${kind.title} with id ${id} in the Vast account of the configured credentials (vast:apiKey / VAST_API_KEY); list the account's keys with \`vast-api-keys audit\``,
      );
    }
    const secretFields = new Set([...state.secretFields, ...revealProps(oldInputs).secretFields]);
    return {
      id: result.id,
      props: this.secretOutputs(kind, result.props, secretFields),
      inputs: result.inputs === undefined ? undefined : markSecret(result.inputs, [...secretFields, ...kind.secretInputs]),
    };
  }

  /** Updates in place (changes that do not replace the key). */
  async update(id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
    const { kind } = this.kindOf(urn);
    const old = revealProps(olds);
    const next = revealProps(news);
    const secretFields = new Set([...old.secretFields, ...next.secretFields]);
    try {
      const result = await kind.runtime.update(id, old.plain, next.plain);
      return { outs: this.secretOutputs(kind, result.outs, secretFields) };
    } catch (err) {
      // The outputs a partial failure carries are recorded too: they need the same secret markers.
      if (!(err instanceof VastPartialUpdateError)) throw err;
      throw new VastPartialUpdateError(err.code, err.message, err.id, this.secretOutputs(kind, err.properties, secretFields), err.reasons);
    }
  }

  /** Deletes the resource. */
  async delete(id: string, urn: string, props: Props): Promise<void> {
    const { kind } = this.kindOf(urn);
    await kind.runtime.delete(id, revealProps(props).plain);
  }

  /** The package schema. */
  async getSchema(): Promise<string> {
    if (typeof this.schemaSource === "function") this.schemaSource = this.schemaSource();
    return this.schemaSource;
  }

  private kindOf(urn: string): { kind: ResourceKind; name: string } {
    const { type, name } = parseUrn(urn);
    const kind = this.kinds.get(type);
    if (!kind) throw new Error(`the vast provider has no resource type "${type}" (it serves ${[...this.kinds.keys()].join(", ")})`);
    return { kind, name };
  }

  private secretOutputs(kind: ResourceKind, outs: Props | undefined, secretFields: Iterable<string>): Props {
    return markSecret(outs ?? {}, [...kind.secretOutputs, ...secretFields]);
  }
}
