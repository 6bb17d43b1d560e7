// CSV (RFC 4180) for exports IT opens in a spreadsheet. Every cell is quoted; a cell that a spreadsheet would run
// as a formula (= + - @ tab CR first) gets a leading apostrophe, since event fields come from workstations.
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function csvLine(cells: unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
