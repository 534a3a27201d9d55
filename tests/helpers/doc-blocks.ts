/**
 * The command blocks of the user documentation and what the verbatim test does with each, read
 * from a marker comment on the line before the block:
 *
 *   <!-- verbatim: run -->                 run it in the page's terminal; it must exit 0
 *   <!-- verbatim: run setup -->           the same, and other pages may start from it (below)
 *   <!-- verbatim: background setup -->    run it in a second terminal and leave it running (the
 *                                          emulator); later blocks use the URL and key it printed
 *   <!-- verbatim: fails "TEXT" -->        run it; it must exit non-zero and print TEXT
 *   <!-- verbatim: file NAME -->           save the block as file NAME (a user writing that file)
 *   <!-- verbatim: same as PAGE -->        not run again: PAGE runs a block with the same text
 *   <!-- verbatim: skip REASON -->         not run, for the REASON given (printed by the test)
 *
 * and once per page, on a line of its own, `<!-- verbatim: uses the setup of PAGE -->`: the
 * page's blocks start where PAGE's `setup` blocks leave the user. Every shell block (`sh`, `bash`,
 * `shell`) of a checked page must carry a marker, so a new command cannot go unchecked by
 * accident. Placeholders a block may contain are the values the emulator printed:
 * {@link PLACEHOLDERS}.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** What the verbatim test does with a block. */
export type BlockMode =
  | { kind: "run" }
  | { kind: "background" }
  | { kind: "fails"; expect: string }
  | { kind: "file"; name: string }
  | { kind: "same-as"; page: string }
  | { kind: "skip"; reason: string };

/** One fenced block of a page. */
export interface DocBlock {
  /** Page path relative to the repository root, e.g. `docs/guardrails.md`. */
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string's first word (`sh`, `yaml`, ...), or "". */
  lang: string;
  /** The content, with the fence's indentation removed, ending in a newline. */
  text: string;
  /** From the marker; absent when the block has none. */
  mode?: BlockMode;
  /** Whether other pages may start from this block (`setup` in the marker). */
  setup: boolean;
}

/** A page's blocks in order, the page its blocks start from, and marker mistakes. */
export interface DocPage {
  page: string;
  blocks: DocBlock[];
  /** `uses the setup of PAGE`: PAGE's setup blocks run before this page's. */
  usesSetupOf?: string;
  /** Malformed or misplaced markers and unmarked shell blocks, each with its line. */
  problems: string[];
}

/** Languages whose blocks are commands a user runs, and so must be marked. */
export const SHELL_LANGS = new Set(["sh", "bash", "shell"]);

/**
 * Values a block may use in place of a literal, each filled in from the latest output of an
 * earlier block of the page that printed it, the way a user copies it from that terminal: the
 * emulator's URL and seeded key (`npm run emulator`), and the id in a Vast create answer.
 */
export const PLACEHOLDERS = {
  "<the URL it printed>": /listening on (http:\/\/\S+)/,
  "<the key it printed>": /Seeded full-access key \([^)]*\): (\S+)/,
  "<the id it printed>": /"id":\s*(\d+)/,
} as const;

/** A placeholder's name. */
export type Placeholder = keyof typeof PLACEHOLDERS;

/** The placeholder values `output` prints, added to (and replacing) `values`. */
export function placeholderValues(output: string, values: Partial<Record<Placeholder, string>> = {}): Partial<Record<Placeholder, string>> {
  const out = { ...values };
  for (const [name, re] of Object.entries(PLACEHOLDERS) as Array<[Placeholder, RegExp]>) {
    const value = re.exec(output)?.[1];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

const MARKER = /^\s*<!--\s*verbatim:\s*(.*?)\s*-->\s*$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;

function parseMode(spec: string): { mode: BlockMode; setup: boolean } | string {
  const setup = /\s+setup$/.test(spec);
  const body = spec.replace(/\s+setup$/, "");
  if (body === "run") return { mode: { kind: "run" }, setup };
  if (body === "background") return { mode: { kind: "background" }, setup };
  if (setup) return `"setup" goes with run or background only: ${spec}`;
  const fails = /^fails\s+"(.+)"$/.exec(body);
  if (fails?.[1]) return { mode: { kind: "fails", expect: fails[1] }, setup };
  const file = /^file\s+(\S+)$/.exec(body);
  if (file?.[1]) return { mode: { kind: "file", name: file[1] }, setup };
  const same = /^same as\s+(\S+)$/.exec(body);
  if (same?.[1]) return { mode: { kind: "same-as", page: same[1] }, setup };
  const skip = /^skip\s+(.+)$/.exec(body);
  if (skip?.[1]) return { mode: { kind: "skip", reason: skip[1] }, setup };
  return `unknown verbatim marker "${spec}" (run, run setup, background setup, fails "TEXT", file NAME, same as PAGE, skip REASON)`;
}

/** Parses one page's markdown (`page` is only used in the result). */
export function parsePage(page: string, markdown: string): DocPage {
  const lines = markdown.split("\n");
  const blocks: DocBlock[] = [];
  const problems: string[] = [];
  let usesSetupOf: string | undefined;
  let pending: { spec: string; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const marker = MARKER.exec(line);
    if (marker) {
      const spec = marker[1] ?? "";
      const uses = /^uses the setup of\s+(\S+)$/.exec(spec);
      if (uses?.[1]) {
        if (usesSetupOf) problems.push(`${page}:${i + 1}: a second "uses the setup of" marker`);
        usesSetupOf = uses[1];
      } else {
        if (pending) problems.push(`${page}:${pending.line}: marker not followed by a fenced block`);
        pending = { spec, line: i + 1 };
      }
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (pending && line.trim() !== "") {
        problems.push(`${page}:${pending.line}: marker not followed by a fenced block`);
        pending = undefined;
      }
      continue;
    }
    const [, indent = "", ticks = "", lang = ""] = fence;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length; i++) {
      const l = lines[i] ?? "";
      if (l.trim().startsWith(ticks) && l.trim().replace(/[`~]/g, "") === "") break;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
    }
    const block: DocBlock = { page, line: start + 1, lang, text: `${body.join("\n")}\n`, setup: false };
    if (pending) {
      const parsed = parseMode(pending.spec);
      if (typeof parsed === "string") problems.push(`${page}:${pending.line}: ${parsed}`);
      else Object.assign(block, parsed);
      pending = undefined;
    } else if (SHELL_LANGS.has(lang)) {
      problems.push(
        `${page}:${start + 1}: a ${lang} block without a verbatim marker (run it, or say why not: <!-- verbatim: skip REASON -->)`,
      );
    }
    blocks.push(block);
  }
  if (pending) problems.push(`${page}:${pending.line}: marker not followed by a fenced block`);
  return { page, blocks, ...(usesSetupOf ? { usesSetupOf } : {}), problems };
}

/**
 * The user documentation the verbatim test and the link check cover: README.md, every page in
 * docs/ except the two reference notes (design.md, vast-api.md, checked for links only), and the
 * examples' READMEs. Paths relative to `root`, in reading order.
 */
export function userDocPages(root: string): string[] {
  const docs = fs
    .readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md") && !REFERENCE_NOTES.includes(`docs/${f}`))
    .sort()
    .map((f) => `docs/${f}`);
  const examples = fs
    .readdirSync(path.join(root, "examples"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, "examples", d.name, "README.md")))
    .map((d) => `examples/${d.name}/README.md`)
    .sort();
  return ["README.md", ...docs, ...examples];
}

/** Reference notes: kept as they are, so they are checked for links but hold no runnable blocks. */
export const REFERENCE_NOTES = ["docs/design.md", "docs/vast-api.md"];

/** Reads and parses the pages named (relative to `root`). */
export function readPages(root: string, pages: string[]): DocPage[] {
  return pages.map((p) => parsePage(p, fs.readFileSync(path.join(root, p), "utf8")));
}

/**
 * Replaces each placeholder in `text` by its value; throws naming any `<...>` placeholder that
 * is not one of {@link PLACEHOLDERS} or has no value yet (a doc that says "<your key>" in a block
 * the test runs has not said where the value comes from).
 */
export function fillPlaceholders(text: string, values: Partial<Record<Placeholder, string>>): string {
  let out = text;
  for (const [name, value] of Object.entries(values)) if (value !== undefined) out = out.split(name).join(value);
  const left = /<[A-Za-z][^<>\n]*\s[^<>\n]*>/.exec(out);
  if (left) {
    const known = Object.keys(PLACEHOLDERS).join(", ");
    throw new Error(`placeholder ${left[0]} has no value here (known: ${known}, once a background block printed them)`);
  }
  return out;
}
