// Plain-text tables with columns padded to their widest cell, as the tools the lab imitates print them.
export function table(header: string[], rows: string[][], gap = 3): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + gap)))
      .join("")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
