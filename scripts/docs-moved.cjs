#!/usr/bin/env node
// `node scripts/docs-moved.cjs [REV]`: checks that moving README text into docs/ lost nothing.
// Splits README.md as it was at REV (default HEAD) into units (prose sentences, table rows, code
// lines) and lists every unit that appears nowhere in today's README.md, docs/*.md and
// examples/*/README.md. Link targets are ignored (a moved link points elsewhere) and whitespace
// is collapsed. Exit 0 when nothing is missing, 1 otherwise. For porting edits made to the old
// single-page README: run it with the revision that has them.
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const rev = process.argv[2] ?? "HEAD";

/** Link text without its target, collapsed whitespace. */
function normalise(text) {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** Units of a markdown text: code lines, table rows, and prose sentences (paragraphs joined first). */
function units(markdown) {
  const out = [];
  let paragraph = [];
  let fence;
  const flush = () => {
    const text = normalise(paragraph.join(" "));
    paragraph = [];
    for (const sentence of text.split(/(?<=[.!?])\s+(?=[A-Z`*(])/)) if (sentence.trim()) out.push(sentence.trim());
  };
  for (const line of markdown.split("\n")) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (f && (!fence || f.startsWith(fence))) {
      flush();
      fence = fence ? undefined : f;
      continue;
    }
    if (fence) {
      if (line.trim()) out.push(normalise(line));
    } else if (/^\s*\|/.test(line)) {
      flush();
      if (!/^\s*\|[\s:|-]+\|\s*$/.test(line)) out.push(normalise(line));
    } else if (/^\s*(#|<!--)/.test(line) || line.trim() === "") {
      flush();
      if (/^\s*#/.test(line)) out.push(normalise(line.replace(/^\s*#+\s*/, "")));
    } else {
      // A list item starts a new paragraph, so its sentence boundaries are its own.
      if (/^\s*([-*]|\d+\.)\s/.test(line)) flush();
      paragraph.push(line.replace(/^\s*([-*]|\d+\.)\s+/, ""));
    }
  }
  flush();
  return out;
}

const before = execFileSync("git", ["show", `${rev}:README.md`], { cwd: root, encoding: "utf8" });
const pages = [
  "README.md",
  ...fs.readdirSync(path.join(root, "docs")).map((f) => `docs/${f}`),
  ...fs
    .readdirSync(path.join(root, "examples"))
    .map((d) => `examples/${d}/README.md`)
    .filter((f) => fs.existsSync(path.join(root, f))),
].filter((f) => f.endsWith(".md"));
const corpus = pages.map((f) => units(fs.readFileSync(path.join(root, f), "utf8")).join("\n")).join("\n");
const flat = normalise(corpus);

const all = units(before);
const missing = all.filter((u) => !corpus.includes(u) && !flat.includes(u));
for (const u of missing) console.log(`missing: ${u}`);
console.log(`${all.length - missing.length} of ${all.length} units of README.md at ${rev} are in README.md, docs/ or examples/*/README.md`);
process.exit(missing.length > 0 ? 1 : 0);
