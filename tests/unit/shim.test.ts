import * as os from "node:os";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";
import { rotatingVastApiKeyProvider, serializedShim, vastApiKeyProvider } from "../../provider/shim";
import { serializeProvider } from "../../scripts/serialize-provider";

describe.each([
  ["VastApiKey", vastApiKeyProvider, "pulumi-vast-api-keys/runtime"],
  ["RotatingVastApiKey", rotatingVastApiKeyProvider, "pulumi-vast-api-keys/rotating"],
] as Array<[string, ResourceProvider, string]>)("serialized provider (__provider) of %s", (_name, provider, implementation) => {
  let text: string;
  beforeAll(async () => {
    text = await serializeProvider(provider);
  });

  it("is written out byte for byte as Pulumi's closure serializer writes it", () => {
    expect(serializedShim(provider)).toBe(text);
  });

  it("fits in 2 KB", () => {
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2000);
  });

  it("only names the implementation by package path: no logic, credentials or machine paths", () => {
    for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"]) {
      expect(text).toContain(`require("${implementation}").${method}(...a)`);
    }
    expect(text).not.toMatch(/VAST_API_KEY|apiKey|Bearer|undici|zod/);
    expect(text).not.toContain(process.cwd());
    expect(text).not.toContain(os.homedir());
    expect(text).not.toMatch(/[0-9a-f]{32,}/);
  });
});
