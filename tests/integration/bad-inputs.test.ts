/**
 * A corpus of malformed inputs (names, permission documents, key params and the other fields):
 * every one must fail in `check` with a property path, and `create` must refuse it too, with
 * zero API calls, counted at the emulator.
 */
import { vastApiKeyProvider as provider } from "pulumi-vast-api-keys";
import { BAD_INPUTS as CORPUS, VALID_INPUTS } from "../helpers/bad-inputs";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { useAccount } from "../helpers/provider";

const ok = VALID_INPUTS;
const api = (body: unknown) => ({ ...ok, permissions: { api: body } });

let emu: EmulatorProcess;
let since = 0;
beforeAll(async () => {
  emu = await startEmulatorProcess();
  const account = await emu.newAccount();
  await useAccount(provider, emu.url, account.apiKey);
  since = (await emu.admin.requests()).at(-1)?.seq ?? 0;
});
afterAll(async () => emu?.stop());

describe("malformed inputs", () => {
  it("starts from a well-formed input that passes check, so each failure comes from its one change", async () => {
    expect(await provider.check?.({}, ok)).toEqual({ inputs: ok, failures: [] });
  });

  it.each([
    ["an empty grant", api({})],
    ["no permission document", { ...ok, permissions: {} }],
  ])("refuses %s, which Vast would read as full access, pointing to presets.fullAccess()", async (_label, inputs) => {
    const result = await provider.check?.({}, inputs);
    expect(result?.failures).toEqual([
      { property: "permissions.api", reason: expect.stringMatching(/FULL access.*presets\.fullAccess\(\)/) },
    ]);
  });

  it.each(CORPUS)("%s fails in check at its property path, and create refuses it", async (_label, inputs, property) => {
    const result = await provider.check?.({}, inputs);
    expect(result?.failures?.length).toBeGreaterThan(0);
    const failure = result?.failures?.find((f) => f.property === property || f.property.startsWith(`${property}.`));
    expect(failure).toBeDefined();
    expect(failure?.reason.length).toBeGreaterThan(5);
    await expect(provider.create(inputs)).rejects.toMatchObject({ code: "VAST_INVALID_INPUT" });
  });

  it("made zero API calls", async () => {
    expect(await emu.admin.requests(since)).toEqual([]);
  });
});
