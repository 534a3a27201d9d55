/**
 * The three renderings of a {@link DriftReport}: a plain-text table for people, Markdown for a
 * CI job summary (`$GITHUB_STEP_SUMMARY`), and the JSON document for machines. All three carry
 * only ids, names, instants and categories: a report never holds a key value.
 */
import { API_KEY_TYPE, accessLabel, PLUGIN_API_KEY_TYPE, PLUGIN_ROTATING_API_KEY_TYPE, ROTATING_API_KEY_TYPE } from "./audit";
import type { DriftReport, ResourceKey, ResourceReport, StackReport, UnmanagedKey } from "./drift";
import { textTable } from "./text-table";

const TYPE_LABELS: Record<string, string> = {
  [API_KEY_TYPE]: "VastApiKey",
  [ROTATING_API_KEY_TYPE]: "RotatingVastApiKey",
  [PLUGIN_API_KEY_TYPE]: "vast:index:ApiKey",
  [PLUGIN_ROTATING_API_KEY_TYPE]: "vast:index:RotatingApiKey",
};

/** One row per key and finding: [resource, type, key, name on Vast, status]. */
function resourceRows(r: ResourceReport): string[][] {
  const rows: string[][] = [];
  const keyLabel = (k: { keyId: number; slot: ResourceKey["slot"] }) => (k.slot === "key" ? String(k.keyId) : `${k.keyId} ${k.slot}`);
  r.keys.forEach((k, i) => {
    const first = i === 0 ? [r.resource, TYPE_LABELS[r.type] ?? r.type] : ["", ""];
    const findings = r.findings.filter((f) => f.keyId === k.keyId && f.slot === k.slot);
    const name = k.name ?? "(no name)";
    if (findings.length === 0) rows.push([...first, keyLabel(k), name, "ok"]);
    findings.forEach((f, j) => {
      rows.push(j === 0 ? [...first, keyLabel(k), name, f.message] : ["", "", "", "", f.message]);
    });
  });
  // A resource without keys (none recorded yet) still gets a line.
  if (r.keys.length === 0) rows.push([r.resource, TYPE_LABELS[r.type] ?? r.type, "-", "-", "no keys recorded"]);
  return rows;
}

function age(k: UnmanagedKey): string {
  return k.ageDays === null ? "?" : `${k.ageDays.toFixed(1)}d`;
}

function headline(r: DriftReport): string {
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? "" : "s"}`;
  const stacks = n(r.summary.stacks, "stack");
  const unmanaged = `${n(r.summary.unmanaged, "unmanaged key")}${r.failOnUnmanaged ? "" : " (not counted: --no-fail-on-unmanaged)"}`;
  return `${r.drift ? "DRIFT" : "no drift"}: ${stacks}, ${n(r.summary.resources, "key resource")}, ${n(r.summary.findings, "finding")}, ${unmanaged}`;
}

function stackTitle(s: StackReport): string {
  return `Stack ${s.stack}: account ${s.accountId}, credential key ${s.credentialKeyId} (${s.credentialSource}) at ${s.url}`;
}

/** The report as plain-text tables, for a terminal. */
export function formatDriftText(r: DriftReport): string {
  const out: string[] = [`vast-api-keys drift at ${r.checkedAt}: ${headline(r)}`];
  for (const s of r.stacks) {
    out.push("", stackTitle(s));
    if (s.resources.length === 0) {
      out.push("  (no Vast key resources)");
      continue;
    }
    out.push(textTable([["RESOURCE", "TYPE", "KEY", "NAME ON VAST", "STATUS"], ...s.resources.flatMap(resourceRows)]));
    const next = s.resources.filter((x) => x.nextUp !== null);
    if (next.length) out.push("  Next `pulumi up`:", ...next.map((x) => `    ${x.resource}: ${x.nextUp}`));
  }
  out.push("", `Keys no checked stack manages (${r.unmanaged.length})`);
  if (r.unmanaged.length) {
    out.push(
      textTable([
        ["ACCOUNT", "ID", "NAME", "AGE", "RIGHTS", ""],
        ...r.unmanaged.map((k) => [
          String(k.accountId),
          String(k.keyId),
          k.name ?? "(no name)",
          age(k),
          accessLabel(k),
          k.managementKey ? "management key (the credential)" : "",
        ]),
      ]),
    );
  }
  out.push("", r.drift ? "Exit 2: drift found." : "Exit 0: no drift.");
  return `${out.join("\n")}\n`;
}

/** Makes text safe in a Markdown table cell (and in the HTML GitHub renders it to). */
function cell(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

function markdownTable(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => " --- |").join("")}`, ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`)];
}

/** The report as Markdown, for `$GITHUB_STEP_SUMMARY` or a pull-request comment. */
export function formatDriftMarkdown(r: DriftReport): string {
  const out: string[] = [
    `## Vast API keys: ${r.drift ? "drift found" : "no drift"}`,
    "",
    `${cell(headline(r))}. Checked at ${r.checkedAt}.`,
  ];
  for (const s of r.stacks) {
    out.push("", `### ${cell(stackTitle(s))}`, "");
    if (s.resources.length === 0) {
      out.push("No Vast key resources.");
      continue;
    }
    const rows = s.resources.flatMap(resourceRows).map((row) => {
      const status = row[4] ?? "";
      return [...row.slice(0, 4), status === "ok" ? "ok" : `**${status}**`];
    });
    out.push(...markdownTable(["Resource", "Type", "Key", "Name on Vast", "Status"], rows));
    const next = s.resources.filter((x) => x.nextUp !== null);
    if (next.length) out.push("", "Next `pulumi up`:", "", ...next.map((x) => `- ${cell(x.resource)}: ${cell(x.nextUp ?? "")}`));
  }
  out.push("", `### Keys no checked stack manages (${r.unmanaged.length})`, "");
  if (r.unmanaged.length) {
    out.push(
      ...markdownTable(
        ["Account", "Key", "Name", "Age", "Rights", "Note"],
        r.unmanaged.map((k) => [
          String(k.accountId),
          String(k.keyId),
          k.name ?? "(no name)",
          age(k),
          accessLabel(k),
          k.managementKey ? "management key" : "",
        ]),
      ),
    );
  } else out.push("None.");
  return `${out.join("\n")}\n`;
}

/** The report as the documented JSON document (docs/drift.md). */
export function formatDriftJson(r: DriftReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
