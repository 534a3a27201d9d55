/**
 * The verbatim test's reading of the docs: markers, placeholders, and the checked pages themselves
 * (every shell block marked, every marker well formed and pointing at something that exists), so a
 * doc edit that forgets a marker fails here, in seconds, before the slow docs suite.
 */
import { fillPlaceholders, parsePage, placeholderValues, readPages, userDocPages } from "../helpers/doc-blocks";
import { ROOT } from "../helpers/emulator";

describe("markers", () => {
  it("reads each mode, the setup flag, indented blocks and the page's setup source", () => {
    const page = parsePage(
      "docs/x.md",
      [
        "<!-- verbatim: uses the setup of README.md -->",
        "<!-- verbatim: background setup -->",
        "```sh",
        "npm run emulator",
        "```",
        "- a list item:",
        "",
        "  <!-- verbatim: run -->",
        "  ```sh",
        "  echo indented",
        "  ```",
        '<!-- verbatim: fails "refused" -->',
        "```bash",
        "false",
        "```",
        "<!-- verbatim: file guardrails.json -->",
        "```json",
        "{}",
        "```",
        "<!-- verbatim: same as README.md -->",
        "```sh",
        "pulumi up",
        "```",
        "<!-- verbatim: skip needs a real account -->",
        "```sh",
        "pulumi up",
        "```",
        "```ts",
        "const unmarked = 'fine: not a shell block';",
        "```",
      ].join("\n"),
    );
    expect(page.problems).toEqual([]);
    expect(page.usesSetupOf).toBe("README.md");
    expect(page.blocks.map((b) => [b.line, b.mode?.kind, b.setup])).toEqual([
      [3, "background", true],
      [9, "run", false],
      [13, "fails", false],
      [17, "file", false],
      [21, "same-as", false],
      [25, "skip", false],
      [28, undefined, false],
    ]);
    expect(page.blocks[1]?.text).toBe("echo indented\n");
    expect(page.blocks[2]?.mode).toEqual({ kind: "fails", expect: "refused" });
    expect(page.blocks[5]?.mode).toEqual({ kind: "skip", reason: "needs a real account" });
  });

  it("reports an unmarked shell block, an unknown marker and a marker with no block after it", () => {
    const page = parsePage(
      "p.md",
      ["```sh", "ls", "```", "<!-- verbatim: runn -->", "```sh", "ls", "```", "<!-- verbatim: run -->", "text"].join("\n"),
    );
    expect(page.problems).toEqual([
      expect.stringMatching(/^p\.md:1: a sh block without a verbatim marker/),
      expect.stringMatching(/^p\.md:4: unknown verbatim marker "runn"/),
      "p.md:8: marker not followed by a fenced block",
    ]);
  });
});

describe("placeholders", () => {
  const banner = [
    "Vast API emulator listening on http://127.0.0.1:8787",
    "Seeded full-access key (user 1, key id 1): abc123",
    "Admin token (header x-emulator-admin): t",
  ].join("\n");

  it("takes the URL and key from the emulator's banner and the id from a create answer", () => {
    const values = placeholderValues('{"id":7,"key":"k"}', placeholderValues(banner));
    expect(values).toEqual({
      "<the URL it printed>": "http://127.0.0.1:8787",
      "<the key it printed>": "abc123",
      "<the id it printed>": "7",
    });
    expect(fillPlaceholders("export VAST_URL=<the URL it printed>\npulumi import t n <the id it printed>\n", values)).toBe(
      "export VAST_URL=http://127.0.0.1:8787\npulumi import t n 7\n",
    );
  });

  it("refuses a placeholder the docs never said where to get, or one not printed yet", () => {
    expect(() => fillPlaceholders("pulumi config set --secret vast:apiKey <your management key>\n", {})).toThrow(
      /placeholder <your management key> has no value here/,
    );
    expect(() => fillPlaceholders("curl <the URL it printed>\n", {})).toThrow(/<the URL it printed> has no value here/);
    expect(fillPlaceholders("cat <<'EOF'\nx\nEOF\n", {})).toBe("cat <<'EOF'\nx\nEOF\n");
  });
});

describe("the checked pages", () => {
  const pages = readPages(ROOT, userDocPages(ROOT));
  const byPage = new Map(pages.map((p) => [p.page, p]));

  it("cover the README, the docs pages and the examples' READMEs", () => {
    expect(pages.map((p) => p.page)).toEqual(expect.arrayContaining(["README.md", "docs/yaml-and-python.md", "examples/python/README.md"]));
    expect(pages.map((p) => p.page)).not.toContain("docs/design.md");
  });

  it.each(pages.map((p) => [p.page, p] as const))("%s: markers are well formed and every shell block is marked", (_name, page) => {
    expect(page.problems).toEqual([]);
  });

  it.each(pages.map((p) => [p.page, p] as const))("%s: setup sources and twins exist", (_name, page) => {
    const wrong: string[] = [];
    if (page.usesSetupOf && !byPage.get(page.usesSetupOf)?.blocks.some((b) => b.setup))
      wrong.push(`uses the setup of ${page.usesSetupOf}, which has no setup blocks`);
    for (const block of page.blocks) {
      const mode = block.mode;
      if (mode?.kind !== "same-as") continue;
      const twin = byPage.get(mode.page)?.blocks.find((b) => b.text === block.text);
      if (!twin || !["run", "fails", "background"].includes(twin.mode?.kind ?? ""))
        wrong.push(`line ${block.line}: ${mode.page} runs no block with the same text`);
    }
    const runs = page.blocks.some((b) => b.mode && !["skip", "same-as", "file"].includes(b.mode.kind));
    const placeholders = page.blocks.some((b) => b.mode?.kind !== "skip" && /<the (URL|key) it printed>/.test(b.text));
    const emulator = page.blocks.some((b) => b.mode?.kind === "background") || !!page.usesSetupOf;
    if (runs && placeholders && !emulator) wrong.push("uses the emulator's URL or key but neither starts it nor uses a setup that does");
    expect(wrong).toEqual([]);
  });
});
