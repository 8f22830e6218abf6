/** A plain-text table: the first row is the header; numbers (and ratios) are right-aligned. */
export function renderTable(
  title: string,
  rows: readonly (readonly string[])[],
  notes: readonly string[] = [],
): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const numeric = (cell: string) => /^[-<~]?[\d.,]+\s?(%|x|ms|KB|MB|µs|s)?$/.test(cell) || cell === "-";
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (numeric(cell) && i > 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const [header, ...body] = rows;
  const out = [`## ${title}`, ""];
  if (header !== undefined) {
    out.push(line(header), widths.map((w) => "-".repeat(w)).join("  "));
  }
  for (const row of body) out.push(line(row));
  if (notes.length > 0) out.push("", ...notes);
  return `${out.join("\n")}\n`;
}
