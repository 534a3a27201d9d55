/**
 * The documentation works verbatim: every command block a page tells the user to run is run, in
 * the order written, on a new user's machine (see {@link DocTerminal}: a fresh clone, a fresh
 * home and Pulumi home, the Pulumi CLI the project builds on PATH), against the emulator started
 * the way the docs say (`npm run emulator`, whose printed URL and key fill the blocks'
 * placeholders as a user copies them). One test per block; blocks marked as not run are listed
 * as skipped with their reason. Markers: tests/helpers/doc-blocks.ts.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import {
  type DocBlock,
  type DocPage,
  fillPlaceholders,
  PLACEHOLDERS,
  type Placeholder,
  placeholderValues,
  readPages,
  userDocPages,
} from "../helpers/doc-blocks";
import { DocTerminal, passwdPulumiHome } from "../helpers/doc-terminal";
import { ROOT } from "../helpers/emulator";

/** Longest a single block may take (`npm run demo` and a first `pip install` are the long ones). */
const BLOCK_TIMEOUT_MS = 12 * 60_000;
/** How long the emulator may take to print its URL and key. */
const READY_TIMEOUT_MS = 60_000;

const pages = readPages(ROOT, userDocPages(ROOT));
const byPage = new Map(pages.map((p) => [p.page, p]));
const started = Date.now();
/** Blocks run to success in this run, and the blocks the docs mark as not run (with why). */
const ran: string[] = [];
const notRun: string[] = [];
const pagesRun = new Set<string>();

/** The first line of a block, for test names. */
function headline(block: DocBlock): string {
  const first = block.text.split("\n").find((l) => l.trim() !== "") ?? "";
  return first.length > 70 ? `${first.slice(0, 67)}...` : first;
}

/** Setup blocks of the page a page starts from, then the page's own blocks. */
function blocksOf(page: DocPage): Array<{ block: DocBlock; prelude: boolean }> {
  const from = page.usesSetupOf ? byPage.get(page.usesSetupOf) : undefined;
  if (page.usesSetupOf && !from) throw new Error(`${page.page}: "uses the setup of ${page.usesSetupOf}": no such checked page`);
  const prelude = (from?.blocks ?? []).filter((b) => b.setup).map((block) => ({ block, prelude: true }));
  return [...prelude, ...page.blocks.filter((b) => b.mode).map((block) => ({ block, prelude: false }))];
}

/** What a Pulumi login and local state leave in a `.pulumi` directory, with modification times. */
function pulumiStateStamp(dir: string): string {
  return ["credentials.json", "meta.yaml", "stacks"]
    .map((f) => `${f}: ${fs.existsSync(path.join(dir, f)) ? fs.statSync(path.join(dir, f)).mtimeMs : "absent"}`)
    .join(", ");
}

function failure(block: DocBlock, text: string, why: string, output: string): Error {
  const tail = output.split("\n").slice(-80).join("\n");
  return new Error(`${block.page}:${block.line}: ${why}\n--- the block ---\n${text}--- its output (last 80 lines) ---\n${tail}`);
}

afterAll(() => {
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    [`verbatim docs: ${ran.length} blocks ran on ${pagesRun.size} pages in ${seconds} s; not run:`, ...notRun.map((n) => `  ${n}`)].join(
      "\n",
    ),
  );
});

it("every checked page's markers are well formed and every shell block is marked", () => {
  expect(pages.flatMap((p) => p.problems)).toEqual([]);
});

for (const page of pages) {
  const steps = blocksOf(page);
  if (!steps.some((s) => !s.prelude && s.block.mode?.kind !== "skip")) {
    // A page without anything to run still lists its not-run blocks (with the reason) below.
    for (const { block } of steps) {
      if (block.mode?.kind === "skip") {
        notRun.push(`${block.page}:${block.line} (${block.mode.reason})`);
        it.skip(`${block.page}:${block.line} ${headline(block)} (not run: ${block.mode.reason})`, () => {});
      }
    }
    continue;
  }

  describe(page.page, () => {
    let terminal: DocTerminal | undefined;
    let values: Partial<Record<Placeholder, string>> = {};
    let broken: string | undefined;
    let stampBefore = "";

    beforeAll(() => {
      stampBefore = pulumiStateStamp(passwdPulumiHome());
      terminal = new DocTerminal();
    });
    afterAll(async () => terminal?.dispose());

    for (const { block, prelude } of steps) {
      const mode = block.mode;
      if (!mode) continue;
      const name = `${block.page}:${block.line}${prelude ? " (setup)" : ""} ${headline(block)}`;
      if (mode.kind === "skip") {
        if (!prelude) notRun.push(`${block.page}:${block.line} (${mode.reason})`);
        it.skip(`${name} (not run: ${mode.reason})`, () => {});
        continue;
      }
      if (mode.kind === "same-as") {
        notRun.push(`${block.page}:${block.line} (the same block runs in ${mode.page})`);
        it(`${name} (not run again: ${mode.page} runs the same block)`, () => {
          const twin = byPage.get(mode.page)?.blocks.find((b) => b.text === block.text);
          expect(twin?.mode?.kind).toMatch(/^(run|fails|background)$/);
        });
        continue;
      }
      it(name, async () => {
        if (broken) throw new Error(`not run: ${broken} failed, and this block depends on it`);
        if (!terminal) throw new Error("no terminal");
        const text = mode.kind === "file" ? block.text : fillPlaceholders(block.text, values);
        try {
          if (mode.kind === "file") {
            terminal.writeFile(mode.name, text);
          } else if (mode.kind === "background") {
            // A background block is the emulator: ready once it printed its URL and key.
            const ready = (out: string) => PLACEHOLDERS["<the URL it printed>"].test(out) && PLACEHOLDERS["<the key it printed>"].test(out);
            const output = await terminal.start(text, ready, READY_TIMEOUT_MS).catch((err: Error) => {
              throw failure(block, text, "the background block did not print its URL and key", err.message);
            });
            values = placeholderValues(output, values);
          } else {
            const r = await terminal.run(text, BLOCK_TIMEOUT_MS);
            values = placeholderValues(r.output, values);
            if (mode.kind === "run" && r.code !== 0) throw failure(block, text, `exited ${r.code}`, r.output);
            if (mode.kind === "fails" && r.code === 0) throw failure(block, text, "was documented to fail, but exited 0", r.output);
            if (mode.kind === "fails" && !r.output.includes(mode.expect))
              throw failure(block, text, `failed, but did not print "${mode.expect}"`, r.output);
          }
        } catch (err) {
          broken = `${block.page}:${block.line}`;
          throw err;
        }
        ran.push(`${block.page}:${block.line}${prelude ? ` (setup, for ${page.page})` : ""}`);
        pagesRun.add(page.page);
      });
    }

    it(`${page.page}: Pulumi's login and state stayed in the fresh home`, () => {
      expect(pulumiStateStamp(passwdPulumiHome())).toBe(stampBefore);
    });
  });
}
