/**
 * `vast-api-keys drift` refuses bad usage and a bad clock before it runs anything (no Pulumi CLI,
 * no API call): exit 1 with the rule broken and the usage, or the setting named.
 */
import { PassThrough } from "node:stream";
import { drift } from "../../provider/cli/drift";
import { captureStderr } from "../helpers/stderr";

function sink() {
  const out = new PassThrough();
  let text = "";
  out.on("data", (c: Buffer) => {
    text += c.toString();
  });
  return { out, text: () => text };
}

describe("vast-api-keys drift: usage", () => {
  it.each([
    [["--json", "--markdown"], "--json and --markdown exclude each other"],
    [["--stack", ""], "--stack needs a stack name"],
    [["--stack"], "Option '--stack <value>' argument missing"],
    [["--bogus"], "Unknown option '--bogus'"],
    [["prod"], "Unexpected argument 'prod'"],
  ])("%j: exit 1, says why, prints the usage, writes nothing on stdout", async (args, why) => {
    const stdout = sink();
    const stderr = captureStderr();
    try {
      expect(await drift(args, stdout.out, "/nonexistent")).toBe(1);
    } finally {
      stderr.restore();
    }
    expect(stderr.text()).toContain(`vast-api-keys drift: ${why}`);
    expect(stderr.text()).toContain("usage: vast-api-keys drift [--stack NAME ...] [--json | --markdown] [--no-fail-on-unmanaged]");
    expect(stdout.text()).toBe("");
  });

  it("--help prints the usage with the exit codes on stdout, exit 0", async () => {
    const stdout = sink();
    expect(await drift(["--help"], stdout.out, "/nonexistent")).toBe(0);
    expect(stdout.text()).toContain("Exit codes: 0 no drift, 2 drift found, 1 the check could not be made.");
  });

  it("an invalid VAST_NOW fails, naming it, before any Pulumi command", async () => {
    const saved = process.env.VAST_NOW;
    process.env.VAST_NOW = "tomorrow";
    try {
      await expect(drift([], sink().out, "/nonexistent")).rejects.toMatchObject({
        code: "VAST_INVALID_SETTING",
        message: expect.stringContaining("VAST_NOW"),
      });
    } finally {
      if (saved === undefined) delete process.env.VAST_NOW;
      else process.env.VAST_NOW = saved;
    }
  });
});
