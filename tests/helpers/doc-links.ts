/**
 * Relative links of markdown pages and whether they resolve: the file or directory exists, and
 * an anchor names a heading of the target page (GitHub's heading ids) or an `id` in it.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** One relative link found in a page. */
export interface DocLink {
  /** Page path relative to the repository root. */
  page: string;
  line: number;
  /** The link target as written, e.g. `docs/rotation.md#timeline`. */
  target: string;
}

/** Lines outside fenced code blocks, with inline code spans blanked (links in code are not links). */
function proseLines(markdown: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fence: string | undefined;
  markdown.split("\n").forEach((text, i) => {
    const f = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
    if (f && (!fence || f.startsWith(fence))) {
      fence = fence ? undefined : f;
      return;
    }
    if (!fence) out.push({ line: i + 1, text: text.replace(/`+[^`]*`+/g, (m) => " ".repeat(m.length)) });
  });
  return out;
}

/** Relative links of a page: inline `[text](target)` and reference definitions `[x]: target`. */
export function relativeLinks(page: string, markdown: string): DocLink[] {
  const links: DocLink[] = [];
  for (const { line, text } of proseLines(markdown)) {
    const targets = [
      ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
      ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)].map((m) => m[1]),
    ];
    for (const target of targets) {
      if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      links.push({ page, line, target });
    }
  }
  return links;
}

/** GitHub's id of a heading: inline markup dropped, lower case, punctuation removed, spaces to dashes. */
export function headingSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every anchor a page offers: its headings' ids (repeats numbered `-1`, `-2` as GitHub does) and explicit `id`/`name` attributes. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const text of markdown.split("\n")) {
    const f = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
    if (f && (!fence || f.startsWith(fence))) {
      fence = fence ? undefined : f;
      continue;
    }
    if (fence) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading !== undefined) {
      const slug = headingSlug(heading);
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      anchors.add(n === 0 ? slug : `${slug}-${n}`);
    }
    for (const m of text.matchAll(/\b(?:id|name)="([^"]+)"/g)) if (m[1]) anchors.add(m[1]);
  }
  return anchors;
}

/**
 * Why a link does not resolve, or undefined when it does. `root` is the repository root; pages
 * read for anchors are cached in `cache`.
 */
export function brokenReason(root: string, link: DocLink, cache = new Map<string, string>()): string | undefined {
  const [rawPath = "", anchor] = link.target.split("#", 2);
  const filePath = decodeURIComponent(rawPath);
  const abs = filePath === "" ? path.join(root, link.page) : path.resolve(root, path.dirname(link.page), filePath);
  const rel = path.relative(root, abs);
  if (rel.startsWith("..")) return `points outside the repository (${rel})`;
  if (!fs.existsSync(abs)) return `${rel} does not exist`;
  if (!anchor) return undefined;
  if (!abs.endsWith(".md")) return undefined;
  let text = cache.get(abs);
  if (text === undefined) {
    text = fs.readFileSync(abs, "utf8");
    cache.set(abs, text);
  }
  return anchorsOf(text).has(anchor) ? undefined : `${rel} has no heading or id "${anchor}"`;
}
