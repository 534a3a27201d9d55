/**
 * The documentation's links: every relative link and anchor in README.md, docs/*.md (the two
 * reference notes included), the examples' READMEs and the Python SDK's README resolves.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REFERENCE_NOTES, userDocPages } from "../helpers/doc-blocks";
import { anchorsOf, brokenReason, headingSlug, relativeLinks } from "../helpers/doc-links";
import { ROOT } from "../helpers/emulator";

/**
 * Pages other branches write, linked from here before they land: a missing one is tolerated (and
 * said), a present one is checked like any other.
 */
const PENDING: Record<string, string> = {
  "docs/interrupted-updates.md": "written for issue 18 (interrupted updates), linked from the README's table",
};

const PAGES = [...userDocPages(ROOT), ...REFERENCE_NOTES, "sdk/python/README.md"];

describe("GitHub heading ids", () => {
  it.each([
    ["The `VastApiKey` resource", "the-vastapikey-resource"],
    ["`RotatingVastApiKey` arguments and outputs", "rotatingvastapikey-arguments-and-outputs"],
    ["Using it from YAML (and other languages)", "using-it-from-yaml-and-other-languages"],
    ["Quick start (no Vast account needed)", "quick-start-no-vast-account-needed"],
    ["`rotateAfterDays` and `rotationTrigger`", "rotateafterdays-and-rotationtrigger"],
    ["TypeScript: `VastApiKey`, a dynamic resource", "typescript-vastapikey-a-dynamic-resource"],
    ["Rate limits — and errors", "rate-limits--and-errors"],
  ])("%s → #%s", (heading, slug) => {
    expect(headingSlug(heading)).toBe(slug);
  });

  it("numbers repeated headings and ignores headings inside code blocks", () => {
    const anchors = anchorsOf('## Limits\n\n```sh\n# not a heading\n```\n\n## Limits\n<a id="here"></a>\n');
    expect([...anchors]).toEqual(["limits", "limits-1", "here"]);
  });
});

describe("relative links", () => {
  it("finds inline and reference links outside code, and leaves absolute URLs alone", () => {
    const md = "[a](docs/x.md#y) and `[b](nope.md)` and [c](https://example.com)\n```\n[d](code.md)\n```\n[e]: ../f.md\n";
    expect(relativeLinks("README.md", md).map((l) => l.target)).toEqual(["docs/x.md#y", "../f.md"]);
  });

  it("says why a link is broken: a missing file, a missing anchor, or a path outside the repository", () => {
    expect(brokenReason(ROOT, { page: "README.md", line: 1, target: "docs/nothing-here.md" })).toBe("docs/nothing-here.md does not exist");
    expect(brokenReason(ROOT, { page: "docs/drift.md", line: 1, target: "../README.md#no-such-heading" })).toBe(
      'README.md has no heading or id "no-such-heading"',
    );
    expect(brokenReason(ROOT, { page: "README.md", line: 1, target: "../elsewhere.md" })).toMatch(/outside the repository/);
    expect(brokenReason(ROOT, { page: "docs/drift.md", line: 1, target: "../README.md#try-it-against-the-emulator" })).toBeUndefined();
  });

  it.each(PAGES)("%s: every relative link and anchor resolves", (page) => {
    const cache = new Map<string, string>();
    const links = relativeLinks(page, fs.readFileSync(path.join(ROOT, page), "utf8"));
    const broken: string[] = [];
    for (const link of links) {
      const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(page), link.target.split("#")[0] || page));
      const pending = PENDING[target];
      if (pending && !fs.existsSync(path.join(ROOT, target))) {
        console.log(`${page}:${link.line}: ${link.target} is not here yet (${pending}); not checked`);
        continue;
      }
      const reason = brokenReason(ROOT, link, cache);
      if (reason) broken.push(`${page}:${link.line}: ${link.target}: ${reason}`);
    }
    expect(broken).toEqual([]);
  });
});
