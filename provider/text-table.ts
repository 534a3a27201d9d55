/** Plain-text tables for the command-line reports (`audit`, `drift`). */

/** Left-aligned columns, two spaces apart, each line indented by two spaces, trailing blanks trimmed. */
export function textTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  return rows.map((row) => `  ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd()).join("\n");
}
