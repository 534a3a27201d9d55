/**
 * What the drift check takes from Pulumi: key resources of decrypted exported state without any
 * value, refresh outcomes from engine events, and failure text from stderr only.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { API_KEY_TYPE, PLUGIN_ROTATING_API_KEY_TYPE, ROTATING_API_KEY_TYPE } from "../../provider/audit";
import { commandFailure, keyResourcesOf, MASKED, RefreshEvents } from "../../provider/drift-state";
import { SECRET_SIG, SIG_KEY } from "../../provider/plugin/secrets";

/** A key value (64 hex characters, as Vast makes them), built so that no key-like literal sits in the repository. */
const VALUE = "0a12b6a5".repeat(8);
/** How `pulumi stack export --show-secrets` shows a secret: its JSON as `plaintext`. */
const plaintext = (v: unknown) => ({ [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(v) });
const urn = (type: string, name: string) => `urn:pulumi:dev::proj::${type}::${name}`;

const deployment = {
  version: 3,
  deployment: {
    resources: [
      { urn: "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev", type: "pulumi:pulumi:Stack", outputs: { keyValue: plaintext(VALUE) } },
      {
        urn: urn(API_KEY_TYPE, "ci"),
        type: API_KEY_TYPE,
        id: "11",
        inputs: { name: "ci" },
        outputs: { keyId: 11, name: "ci", key: plaintext(VALUE), accountId: 2, __provider: "exports.handler = …" },
      },
      { urn: urn(API_KEY_TYPE, "lookup"), type: API_KEY_TYPE, id: "12", external: true, outputs: { keyId: 12 } },
      { urn: urn(API_KEY_TYPE, "ci"), type: API_KEY_TYPE, id: "10", delete: true, outputs: { keyId: 10 } },
      {
        urn: urn(PLUGIN_ROTATING_API_KEY_TYPE, "auto"),
        type: PLUGIN_ROTATING_API_KEY_TYPE,
        id: "0b7d6f52-7c1e-4a8e-9d55-7f4e4bd3c1a1",
        outputs: {
          name: "dev-auto",
          current: plaintext({ keyId: 21, key: VALUE, createdAt: "2026-12-01T00:00:00.000Z", name: "dev-auto-2" }),
          previous: plaintext({ keyId: 20, key: VALUE, createdAt: "2026-11-01T00:00:00.000Z", name: "dev-auto-1" }),
          tracking: { current: { keyId: 21 }, previous: { keyId: 20 }, retiring: [{ keyId: 19 }] },
        },
      },
      { urn: "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b", type: "aws:s3/bucket:Bucket", id: "b", outputs: {} },
    ],
  },
};

describe("drift: reading Pulumi", () => {
  it("keeps the key resources of decrypted state, without a single key value", () => {
    const resources = keyResourcesOf(deployment, "stack dev");
    expect(resources.map((r) => [r.urn.split("::").pop(), r.id])).toEqual([
      ["ci", "11"],
      ["auto", "0b7d6f52-7c1e-4a8e-9d55-7f4e4bd3c1a1"],
    ]);
    expect(resources[0]?.stored).toEqual({ keyId: 11, name: "ci", accountId: 2 });
    expect(resources[1]?.stored).toMatchObject({
      current: { keyId: 21, createdAt: "2026-12-01T00:00:00.000Z", name: "dev-auto-2" },
      previous: { keyId: 20, createdAt: "2026-11-01T00:00:00.000Z", name: "dev-auto-1" },
    });
    expect(JSON.stringify(resources)).not.toContain(VALUE);
    expect(() => keyResourcesOf({ nope: 1 }, "stack dev")).toThrow(/stack dev: not a Pulumi state/);
  });

  it("masks what it cannot read: encrypted secrets, and secrets in other outputs", () => {
    const encrypted = { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:abc" };
    const [r] = keyResourcesOf(
      {
        deployment: {
          resources: [
            {
              urn: urn(ROTATING_API_KEY_TYPE, "a"),
              type: ROTATING_API_KEY_TYPE,
              id: "u",
              outputs: { current: encrypted, other: plaintext(VALUE) },
            },
          ],
        },
      },
      "s",
    );
    expect(r?.stored).toEqual({ current: MASKED, other: MASKED });
  });

  it("turns refresh-preview events into outcomes: read (values masked), gone; errors with their resource", () => {
    const events = new RefreshEvents();
    const meta = (op: string, name: string, state?: Record<string, unknown>, old?: Record<string, unknown>) =>
      ({
        resOutputsEvent: {
          metadata: {
            op,
            urn: urn(API_KEY_TYPE, name),
            type: API_KEY_TYPE,
            provider: "",
            ...(state ? { new: state } : {}),
            ...(old ? { old } : {}),
          },
        },
      }) as unknown as EngineEvent;
    const masked = { [SIG_KEY]: SECRET_SIG, ciphertext: "[secret]" };
    events.onEvent(
      meta("update", "ci", {
        outputs: { keyId: 11, name: "renamed", key: masked, __provider: "x" },
        inputs: { name: "ci", __provider: "x", adopt: masked },
      }),
    );
    events.onEvent(meta("delete", "gone"));
    events.onEvent(meta("same", "ci", { outputs: { keyId: 10 }, inputs: {} }, { delete: true }));
    events.onEvent({
      diagnosticEvent: { urn: urn(API_KEY_TYPE, "bad"), message: "Preview failed: refusing to refresh key 4\n", severity: "error" },
    } as EngineEvent);
    events.onEvent({ diagnosticEvent: { message: "vast: using the API key …", severity: "info#err" } } as EngineEvent);
    events.onEvent({
      resOutputsEvent: { metadata: { op: "same", urn: "urn:x::aws:s3/bucket:Bucket::b", type: "aws:s3/bucket:Bucket", provider: "" } },
    } as EngineEvent);

    const outcomes = events.outcomesFor([urn(API_KEY_TYPE, "ci"), urn(API_KEY_TYPE, "gone")]);
    expect(outcomes.get(urn(API_KEY_TYPE, "ci"))).toEqual({
      kind: "read",
      outputs: { keyId: 11, name: "renamed" },
      inputs: { name: "ci", adopt: MASKED },
    });
    expect(outcomes.get(urn(API_KEY_TYPE, "gone"))).toEqual({ kind: "gone" });
    expect(events.errors()).toEqual(["bad: Preview failed: refusing to refresh key 4"]);
    expect(() => events.outcomesFor([urn(API_KEY_TYPE, "silent")])).toThrow(/the refresh preview reported nothing for .*::silent/);
  });

  it("shows a failed command's error lines from stderr, never its stdout", () => {
    const failed = (stdout: string, stderr: string) => `code: 255\n stdout: ${stdout}\n stderr: ${stderr}\n err?: Error: failed\n`;
    expect(commandFailure(failed(`{"plaintext":"${VALUE}"}`, "warning: x\nerror: failed to decrypt: incorrect passphrase\n"))).toBe(
      "error: failed to decrypt: incorrect passphrase",
    );
    expect(commandFailure(failed(VALUE, "one\ntwo\nthree\nfour\n"))).toBe("two; three; four");
    expect(commandFailure(failed(VALUE, ""))).toBe("the Pulumi CLI failed without a message");
    expect(commandFailure("not a command error")).toBe("the Pulumi CLI failed without a message");
  });
});
