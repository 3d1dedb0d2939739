/**
 * One CSV cell for an export a person will open in a spreadsheet. Text starting with `=`, `+`,
 * `-`, `@`, tab or CR would be run as a formula (CSV injection), so it gets a leading `'`; numbers
 * are written as they are (a negative number is data, not a formula). Cells with a quote, comma
 * or line break are quoted (RFC 4180).
 *
 * @example
 * rows.map((row) => row.map(csvCell).join(',')).join('\r\n')
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v !== 'number' && typeof v !== 'bigint' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
