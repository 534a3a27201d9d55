/**
 * The `vast` provider plugin in tests: where it is built, and a small gRPC client that speaks to
 * a running plugin process the way the engine does (plain objects in, plain objects out).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { pluginPaths } from "../../scripts/plugin-process";
import { writeYamlProgram } from "../../scripts/projects";
import { pulumiBinDir } from "../../scripts/pulumi-cli";
import { ROOT } from "./emulator";

export { type PluginProcess, startPluginProcess } from "../../scripts/plugin-process";
export { writeYamlProgram } from "../../scripts/projects";

type Props = Record<string, unknown>;

/** The unbundled plugin entry compiled by `npm run build` (runs with this repository's node_modules). */
export const PLUGIN_MAIN = path.join(ROOT, "dist", "provider", "plugin", "main.js");

/**
 * The packaged plugin (`npm run build:plugin`), checked to be newer than the compiled code it
 * bundles, so a test never runs a stale plugin.
 * @throws when it is missing or stale, saying which command to run.
 */
export function builtPlugin(): ReturnType<typeof pluginPaths> {
  const paths = pluginPaths(ROOT);
  const stale = !fs.existsSync(paths.tarball) || fs.statSync(paths.tarball).mtimeMs < fs.statSync(PLUGIN_MAIN).mtimeMs;
  if (stale) throw new Error(`The vast plugin is missing or older than dist/: run \`npm run build:plugin\` (${paths.tarball})`);
  return paths;
}

/**
 * The YAML language host must sit next to `pulumi` (`scripts/install-pulumi.sh` builds it).
 * @throws saying so when it is missing.
 */
export function requireYamlHost(): void {
  const host = path.join(pulumiBinDir(), "pulumi-language-yaml");
  if (!fs.existsSync(host))
    throw new Error(`${host} is missing: run \`bash scripts/install-pulumi.sh\` (it builds the YAML language host)`);
}

/** The plugin directory as the examples' `Pulumi.yaml` files name it (relative to the example). */
const EXAMPLE_PLUGIN_PATH = "../../dist/plugin/pulumi-resource-vast";

/**
 * Copies `examples/<name>` to a temp dir, pointing its `plugins: providers:` entry at the built
 * plugin directory (the copy is no longer two levels below the repository).
 */
export function installPluginExample(name: string): string {
  const { dir: plugin } = builtPlugin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `example-${name}-`));
  // A developer's local install (a venv, caches) stays behind.
  const local = /[\\/](venv|__pycache__|node_modules)$/;
  fs.cpSync(path.join(ROOT, "examples", name), dir, { recursive: true, filter: (src) => !local.test(src) });
  const file = path.join(dir, "Pulumi.yaml");
  const text = fs.readFileSync(file, "utf8");
  if (!text.includes(`path: ${EXAMPLE_PLUGIN_PATH}`))
    throw new Error(`examples/${name}/Pulumi.yaml no longer names ${EXAMPLE_PLUGIN_PATH}`);
  fs.writeFileSync(file, text.replace(`path: ${EXAMPLE_PLUGIN_PATH}`, `path: ${plugin}`));
  return dir;
}

/** `examples/yaml`, copied by {@link installPluginExample}. */
export function installYamlExample(): string {
  return installPluginExample("yaml");
}

/** A new YAML project in a temp dir using the built plugin, with the given `resources:` block (YAML text). */
export function yamlProject(name: string, resources = ""): string {
  const { dir: plugin } = builtPlugin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `yaml-${name}-`));
  writeYamlProgram(dir, name, plugin, resources);
  return dir;
}

/** A secret on the wire. */
export const wireSecret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

const struct = (p: Props) => structproto.Struct.fromJavaScript(p as Record<string, structproto.JavaScriptValue>);
const plain = (s: structproto.Struct | undefined): Props | undefined => s?.toJavaScript() as Props | undefined;

/** Engine-side calls to a plugin process. */
export class PluginClient {
  private readonly client: ResourceProviderClient;

  constructor(address: string) {
    this.client = new ResourceProviderClient(address, grpc.credentials.createInsecure());
  }

  private rpc<Res>(start: (cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown): Promise<Res> {
    return new Promise((resolve, reject) => {
      start((err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  /** The version the plugin reports. */
  async version(): Promise<string> {
    return (await this.rpc<plugproto.PluginInfo>((cb) => this.client.getPluginInfo(new emptyproto.Empty(), cb))).getVersion();
  }

  /** The package schema (JSON text). */
  async schema(): Promise<string> {
    return (await this.rpc<provproto.GetSchemaResponse>((cb) => this.client.getSchema(new provproto.GetSchemaRequest(), cb))).getSchema();
  }

  /** CheckConfig: the failures for provider config `news`. */
  async checkConfig(news: Props): Promise<Array<{ property: string; reason: string }>> {
    const req = new provproto.CheckRequest().setUrn("urn:pulumi:dev::p::pulumi:providers:vast::default").setNews(struct(news));
    const res = await this.rpc<provproto.CheckResponse>((cb) => this.client.checkConfig(req, cb));
    return res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() }));
  }

  /** Configure with structured arguments (as the engine sends stack config `vast:*`). */
  async configure(args: Props): Promise<provproto.ConfigureResponse> {
    const req = new provproto.ConfigureRequest().setArgs(struct(args)).setAcceptsecrets(true).setType("pulumi:providers:vast");
    return this.rpc<provproto.ConfigureResponse>((cb) => this.client.configure(req, cb));
  }

  /** Check: the checked inputs and failures. */
  async check(urn: string, news: Props): Promise<{ inputs: Props | undefined; failures: Array<{ property: string; reason: string }> }> {
    const req = new provproto.CheckRequest().setUrn(urn).setOlds(struct({})).setNews(struct(news));
    const res = await this.rpc<provproto.CheckResponse>((cb) => this.client.check(req, cb));
    return {
      inputs: plain(res.getInputs()),
      failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  /** Create: id and outputs. */
  async create(urn: string, props: Props): Promise<{ id: string; outs: Props }> {
    const req = new provproto.CreateRequest().setUrn(urn).setProperties(struct(props));
    const res = await this.rpc<provproto.CreateResponse>((cb) => this.client.create(req, cb));
    return { id: res.getId(), outs: plain(res.getProperties()) ?? {} };
  }

  /** Read: `props` absent is what `pulumi import` sends. */
  async read(id: string, urn: string, props?: Props): Promise<{ id: string; props: Props | undefined; inputs: Props | undefined }> {
    const req = new provproto.ReadRequest().setId(id).setUrn(urn);
    if (props) req.setProperties(struct(props));
    const res = await this.rpc<provproto.ReadResponse>((cb) => this.client.read(req, cb));
    return { id: res.getId(), props: plain(res.getProperties()), inputs: plain(res.getInputs()) };
  }

  /** Diff of stored outputs `olds` with checked inputs `news`. */
  async diff(
    id: string,
    urn: string,
    olds: Props,
    news: Props,
  ): Promise<{ changes: "none" | "some" | "unknown"; replaces: string[]; deleteBeforeReplace: boolean }> {
    const req = new provproto.DiffRequest().setId(id).setUrn(urn).setOlds(struct(olds)).setNews(struct(news));
    const res = await this.rpc<provproto.DiffResponse>((cb) => this.client.diff(req, cb));
    const Changes = provproto.DiffResponse.DiffChanges;
    const changes = res.getChanges() === Changes.DIFF_SOME ? "some" : res.getChanges() === Changes.DIFF_NONE ? "none" : "unknown";
    return { changes, replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
  }

  /** Update in place: the new outputs. */
  async update(id: string, urn: string, olds: Props, news: Props): Promise<Props> {
    const req = new provproto.UpdateRequest().setId(id).setUrn(urn).setOlds(struct(olds)).setNews(struct(news));
    const res = await this.rpc<provproto.UpdateResponse>((cb) => this.client.update(req, cb));
    return plain(res.getProperties()) ?? {};
  }

  /** Delete. */
  async delete(id: string, urn: string, props: Props): Promise<void> {
    const req = new provproto.DeleteRequest().setId(id).setUrn(urn).setProperties(struct(props));
    await this.rpc<emptyproto.Empty>((cb) => this.client.delete(req, cb));
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }
}
