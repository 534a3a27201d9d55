import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_VAST_URL, normalizeBaseUrl, resolveCredentials } from "../../provider/credentials";

function tempHome(files: Record<string, string> = {}): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "vast-home-"));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(home, rel)), { recursive: true });
    fs.writeFileSync(path.join(home, rel), content);
  }
  return home;
}

describe("credentials", () => {
  const xdgFile = ".config/vastai/vast_api_key";

  it("prefers stack config, then VAST_API_KEY, then the XDG file, then the legacy file", () => {
    const home = tempHome({ [xdgFile]: "from-xdg\n", ".vast_api_key": "from-legacy" });
    const env = { VAST_API_KEY: "from-env" };
    expect(resolveCredentials({ stackConfig: { apiKey: "from-config" }, env, homeDir: home })).toMatchObject({
      apiKey: "from-config",
      source: "stack config vast:apiKey",
    });
    expect(resolveCredentials({ env, homeDir: home })).toMatchObject({ apiKey: "from-env", source: "env VAST_API_KEY" });
    expect(resolveCredentials({ env: {}, homeDir: home })).toMatchObject({ apiKey: "from-xdg", source: "xdg file" });
    fs.rmSync(path.join(home, xdgFile));
    expect(resolveCredentials({ env: {}, homeDir: home })).toMatchObject({ apiKey: "from-legacy", source: "legacy file" });
  });

  it("honours XDG_CONFIG_HOME, trims whitespace and treats empty values as unset", () => {
    const home = tempHome({ "xdg/vastai/vast_api_key": "  k-xdg  \n" });
    const env = { XDG_CONFIG_HOME: path.join(home, "xdg"), VAST_API_KEY: "   " };
    expect(resolveCredentials({ stackConfig: { apiKey: "" }, env, homeDir: home }).apiKey).toBe("k-xdg");
  });

  it("names all four sources when no key is found", () => {
    const home = tempHome();
    expect(() => resolveCredentials({ env: {}, homeDir: home })).toThrow(
      expect.objectContaining({
        code: "VAST_MISSING_CREDENTIALS",
        message: expect.stringMatching(/vast:apiKey.*VAST_API_KEY.*vast_api_key.*\.vast_api_key/s),
      }),
    );
  });

  it("uses vast:url over VAST_URL over the default", () => {
    const home = tempHome();
    const env = { VAST_API_KEY: "k", VAST_URL: "http://127.0.0.1:9999/" };
    expect(resolveCredentials({ env, homeDir: home }).baseUrl).toBe("http://127.0.0.1:9999");
    expect(resolveCredentials({ stackConfig: { url: "https://api.example.com" }, env, homeDir: home }).baseUrl).toBe(
      "https://api.example.com",
    );
    expect(resolveCredentials({ env: { VAST_API_KEY: "k" }, homeDir: home }).baseUrl).toBe(DEFAULT_VAST_URL);
  });

  it.each([
    ["http://example.com", /plain http to a host that is not loopback/, "example.com"],
    ["ftp://127.0.0.1", /must use https/, "ftp"],
    ["https://console.vast.ai/api/v0", /only; it has a path/, "/api/v0"],
    ["https://user:pw@console.vast.ai", /only; it has credentials/, "pw"],
    ["https://console.vast.ai/?k=0123456789abcdef", /only; it has a query/, "0123456789abcdef"],
    ["0123456789abcdef0123456789abcdef", /is not a URL/, "0123456789abcdef"],
    ["http://0123456789abcdef0123456789abcdef", /not loopback/, "0123456789abcdef"],
  ])("refuses %s without echoing it", (url, message, secretPart) => {
    let err: unknown;
    try {
      normalizeBaseUrl(url);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "VAST_INVALID_URL", message: expect.stringMatching(message) });
    // A key pasted into vast:url must not reach a log through the error.
    expect((err as Error).message).not.toContain(secretPart);
  });

  it.each(["http://127.0.0.1:8787", "http://localhost:1", "http://[::1]:80", "https://console.vast.ai/"])("accepts %s", (url) => {
    expect(normalizeBaseUrl(url)).toBe(new URL(url).origin);
  });
});
