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
    ["http://example.com", /only loopback hosts may use http/],
    ["ftp://127.0.0.1", /must use https/],
    ["https://console.vast.ai/api/v0", /without path/],
    ["https://user:pw@console.vast.ai", /without path, query or credentials/],
    ["not a url", /is not a URL/],
  ])("refuses %s", (url, message) => {
    expect(() => normalizeBaseUrl(url)).toThrow(
      expect.objectContaining({ code: "VAST_INVALID_URL", message: expect.stringMatching(message) }),
    );
  });

  it.each(["http://127.0.0.1:8787", "http://localhost:1", "http://[::1]:80", "https://console.vast.ai/"])("accepts %s", (url) => {
    expect(normalizeBaseUrl(url)).toBe(new URL(url).origin);
  });
});
