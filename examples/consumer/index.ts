/**
 * A consumer of a rotating Vast.ai key: the stack of a service (here, an autoscaler) that does
 * not manage keys itself. It reads the `current` key of a role from the keys stack
 * (examples/per-environment) through a `StackReference` and hands the value to the service.
 * The value stays a Pulumi secret all the way: in the keys stack's outputs, in this stack's
 * state and in its outputs.
 *
 * After the keys stack rotates, the old key stays valid for the overlap; the next `pulumi up`
 * of this stack switches the service to the new key. Run it within the overlap (e.g. on the
 * same schedule) and the service never holds a dead key.
 *
 * The "service" is kept offline on purpose: its credential is a file (mode 0600) in the format
 * of the vastai CLI's key file, written by a small dynamic resource.
 *
 * Config:
 *   keysStack   the keys stack, e.g. organization/vast-api-keys-environments/prod (required)
 *   role        the rotating role to use (default: autoscaler)
 *   serviceDir  where the service's credential file goes (default: ./service)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/** The shape of each entry of the keys stack's `currentKeys` output. */
interface VastKey {
  keyId: number;
  key: string;
  createdAt: string;
  name: string;
}

/** Inputs of {@link CredentialFile}. */
interface CredentialFileArgs {
  /** Absolute path of the file. */
  path: pulumi.Input<string>;
  /** The secret to write. */
  content: pulumi.Input<string>;
}

/** Writes `content` to `file` with mode 0600, atomically (a reader never sees half a key). */
function writeSecretFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

// No `diff`: the engine compares the inputs (the secret included, without showing it) and
// calls `update` when they differ. The outputs hold only the path, never the secret.
const credentialFileProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    writeSecretFile(inputs.path, inputs.content);
    return { id: inputs.path, outs: { path: inputs.path } };
  },
  async update(_id, olds, news) {
    writeSecretFile(news.path, news.content);
    if (olds.path !== news.path) fs.rmSync(olds.path, { force: true });
    return { outs: { path: news.path } };
  },
  async delete(_id, props) {
    fs.rmSync(props.path, { force: true });
  },
};

/** A local file holding a secret, standing in for a service's credential store. */
class CredentialFile extends pulumi.dynamic.Resource {
  /** Where the file is. */
  declare readonly path: pulumi.Output<string>;

  constructor(name: string, args: CredentialFileArgs, opts?: pulumi.CustomResourceOptions) {
    super(credentialFileProvider, name, { ...args }, opts, "consumer", "CredentialFile");
  }
}

const config = new pulumi.Config();
const keysStack = config.require("keysStack");
const role = config.get("role") ?? "autoscaler";
const keys = new pulumi.StackReference(keysStack);

// `currentKeys` is a secret output of the keys stack, so `current` (and all derived from it) is secret here too.
const current = keys.requireOutput("currentKeys").apply((all: Record<string, VastKey> | undefined) => {
  const key = all?.[role];
  if (!key) throw new Error(`${keysStack} exports no rotating key for role "${role}" in currentKeys`);
  return key;
});

const credential = new CredentialFile(`${role}-credential`, {
  path: path.resolve(config.get("serviceDir") ?? "service", "vast_api_key"),
  content: current.key,
});

/** The service's credential file. */
export const credentialFile = credential.path;
/** Which key the service holds (not secret: names and ids are not credentials). */
export const keyName = pulumi.unsecret(current.name);
/** Its id on Vast. */
export const keyId = pulumi.unsecret(current.keyId);
/** The key value. Secret. */
export const apiKey = current.key;
