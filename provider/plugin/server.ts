/**
 * The `pulumi-resource-vast` gRPC server: Pulumi's resource-provider protocol over
 * {@link VastProvider}. Modelled on `main` in `@pulumi/pulumi/provider/server.js` (bind
 * 127.0.0.1:0, print the port on stdout and nothing else), with three differences that the
 * SDK's server (3.248) gets wrong for this provider:
 *
 * - `CheckConfig` and `Configure` are implemented: the SDK answers `Configure` without passing
 *   the configuration on, which would silently ignore `vast:apiKey` and fall back to another
 *   credential;
 * - `Read` accepts a request without properties, which is what `pulumi import` sends (the SDK
 *   crashes on it);
 * - answers never carry `undefined` (protobuf's `Struct` refuses it: an imported key has no value).
 *
 * And one thing the dynamic-provider door gets from the engine for free: what the runtime writes
 * to stderr during a resource call (e.g. why a key rotates) is sent to the engine's `Log`, which
 * shows it under the resource; the engine hides a resource plugin's stderr (see `engine-log.ts`).
 *
 * Methods not listed here (Construct, Call, Invoke, ...) answer UNIMPLEMENTED.
 */
import * as grpc from "@grpc/grpc-js";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import type { IResourceProviderServer } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";
import * as anyproto from "google-protobuf/google/protobuf/any_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { isVastError, VastPartialUpdateError } from "../errors";
import { parseProviderConfig } from "./config";
import { CallOutput, engineAddressOf, engineLogSink } from "./engine-log";
import { VastProvider } from "./provider";
import { schemaJson } from "./schema";
import { PLUGIN_VERSION } from "./version";

type Props = Record<string, unknown>;
type JsValue = structproto.JavaScriptValue;

/** Plain object of a request's `Struct` field; an absent field is an empty object. */
function fromStruct(s: structproto.Struct | undefined): Props {
  return s ? (s.toJavaScript() as Props) : {};
}

/** Removes `undefined` at any depth (protobuf's `Struct.fromJavaScript` throws on it). */
function defined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(defined);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, defined(v)]),
    );
  }
  return value;
}

function toStruct(props: Props | undefined): structproto.Struct {
  return structproto.Struct.fromJavaScript(defined(props ?? {}) as Record<string, JsValue>);
}

function failuresOf(failures: ReadonlyArray<{ property: string; reason: string }> | undefined): provproto.CheckFailure[] {
  return (failures ?? []).map((f) => {
    const failure = new provproto.CheckFailure();
    failure.setProperty(f.property);
    failure.setReason(f.reason);
    return failure;
  });
}

/**
 * A gRPC error carrying the message (and, for the package's errors, the stable code). An update
 * that changed something before it failed also carries the resource's new outputs as Pulumi's
 * `ErrorResourceInitFailed` status detail (what the SDK's dynamic-provider host sends), so the
 * engine records them instead of keeping outputs that no longer match Vast.
 */
export function serviceError(err: unknown): Partial<grpc.ServiceError> {
  const base = err instanceof Error ? err.message : String(err);
  const details = isVastError(err) && !base.includes(err.code) ? `${base} [${err.code}]` : base;
  const error: Partial<grpc.ServiceError> = Object.assign(new Error(details), { code: grpc.status.UNKNOWN, details });
  if (err instanceof VastPartialUpdateError) {
    const failed = new provproto.ErrorResourceInitFailed()
      .setId(err.id)
      .setProperties(toStruct(err.properties))
      .setReasonsList(err.reasons);
    const detail = new anyproto.Any();
    detail.pack(failed.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
    const status = new statusproto.Status().setCode(grpc.status.UNKNOWN).setMessage(details);
    status.addDetails(detail);
    const metadata = new grpc.Metadata();
    // `grpc-status-details-bin` is how gRPC carries structured error details.
    metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
    error.metadata = metadata;
  }
  return error;
}

function unary<Req, Res>(handler: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => {
        const error = serviceError(err);
        callback(error, null, error.metadata);
      },
    );
  };
}

/**
 * The service implementation: protobuf in and out, plain objects for {@link VastProvider}.
 * @param output Where the runtime's stderr lines during a resource call are forwarded (default: nowhere).
 */
export function providerService(provider: VastProvider, output = new CallOutput(undefined)): Partial<IResourceProviderServer> {
  return {
    getPluginInfo: unary(async () => new plugproto.PluginInfo().setVersion(provider.version)),

    getSchema: unary(async (req: provproto.GetSchemaRequest) => {
      if (req.getVersion() !== 0) throw new Error(`unsupported schema version ${req.getVersion()}`);
      return new provproto.GetSchemaResponse().setSchema(await provider.getSchema());
    }),

    checkConfig: unary(async (req: provproto.CheckRequest) => {
      const result = provider.checkConfig(fromStruct(req.getNews()));
      // The inputs go back exactly as received, secret markers included.
      const resp = new provproto.CheckResponse().setInputs(req.getNews() ?? new structproto.Struct());
      return resp.setFailuresList(failuresOf(result.failures));
    }),

    configure: unary(async (req: provproto.ConfigureRequest) => {
      const args = req.hasArgs() ? fromStruct(req.getArgs()) : undefined;
      await provider.configure(parseProviderConfig(args, new Map(req.getVariablesMap().entries())));
      // Secrets: accepted, so the engine keeps the markers this plugin puts on `key`. Resource
      // references and output values are not needed; plain values are simpler and enough.
      return new provproto.ConfigureResponse().setAcceptsecrets(true).setAcceptresources(false).setAcceptoutputs(false);
    }),

    check: unary(async (req: provproto.CheckRequest) => {
      const result = await output.during(req.getUrn(), () =>
        provider.check(req.getUrn(), fromStruct(req.getOlds()), fromStruct(req.getNews())),
      );
      const resp = new provproto.CheckResponse().setFailuresList(failuresOf(result.failures));
      return result.inputs === undefined ? resp : resp.setInputs(toStruct(result.inputs));
    }),

    diff: unary(async (req: provproto.DiffRequest) => {
      const result = await output.during(req.getUrn(), () =>
        provider.diff(req.getId(), req.getUrn(), fromStruct(req.getOlds()), fromStruct(req.getNews())),
      );
      const changes =
        result.changes === true
          ? provproto.DiffResponse.DiffChanges.DIFF_SOME
          : result.changes === false
            ? provproto.DiffResponse.DiffChanges.DIFF_NONE
            : provproto.DiffResponse.DiffChanges.DIFF_UNKNOWN;
      return new provproto.DiffResponse()
        .setChanges(changes)
        .setReplacesList(result.replaces ?? [])
        .setStablesList(result.stables ?? [])
        .setDeletebeforereplace(result.deleteBeforeReplace ?? false);
    }),

    create: unary(async (req: provproto.CreateRequest) => {
      const result = await output.during(req.getUrn(), () => provider.create(req.getUrn(), fromStruct(req.getProperties())));
      return new provproto.CreateResponse().setId(result.id).setProperties(toStruct(result.outs));
    }),

    read: unary(async (req: provproto.ReadRequest) => {
      const result = await output.during(req.getUrn(), () =>
        provider.read(req.getId(), req.getUrn(), fromStruct(req.getProperties()), fromStruct(req.getInputs())),
      );
      const resp = new provproto.ReadResponse();
      // No id: the resource is gone (the engine drops it on refresh).
      if (!result.id) return resp;
      resp.setId(result.id).setProperties(toStruct(result.props));
      return result.inputs === undefined ? resp : resp.setInputs(toStruct(result.inputs));
    }),

    update: unary(async (req: provproto.UpdateRequest) => {
      const result = await output.during(req.getUrn(), () =>
        provider.update(req.getId(), req.getUrn(), fromStruct(req.getOlds()), fromStruct(req.getNews())),
      );
      return new provproto.UpdateResponse().setProperties(toStruct(result.outs));
    }),

    delete: unary(async (req: provproto.DeleteRequest) => {
      await output.during(req.getUrn(), () => provider.delete(req.getId(), req.getUrn(), fromStruct(req.getProperties())));
      return new emptyproto.Empty();
    }),

    // Nothing runs in the background that could be cancelled; in-flight calls finish on their own.
    cancel: unary(async () => new emptyproto.Empty()),
    attach: unary(async () => new emptyproto.Empty()),
  };
}

/** The provider with this package's version and schema. */
export function defaultProvider(): VastProvider {
  return new VastProvider({ version: PLUGIN_VERSION, schema: schemaJson });
}

/**
 * Starts the plugin: serves the provider on 127.0.0.1 (a free port) and prints the port on
 * stdout, which is how the engine finds it. Of the arguments, only the engine address (the last
 * one) is used, for the runtime's messages; logging flags are accepted and ignored.
 */
export async function serve(
  provider: VastProvider = defaultProvider(),
  args: readonly string[] = process.argv.slice(2),
): Promise<{ port: number; server: grpc.Server }> {
  const engine = engineAddressOf(args);
  const output = new CallOutput(engine === undefined ? undefined : engineLogSink(engine));
  const server = new grpc.Server({ "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  server.addService(provrpc.ResourceProviderService, providerService(provider, output) as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  process.stdout.write(`${port}\n`);
  return { port, server };
}
