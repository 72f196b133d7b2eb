/**
 * CSV cells for files people open in spreadsheets and upload to ad platforms: RFC 4180 quoting,
 * and no formula injection (a cell starting with = + - @, tab or CR gets a leading quote, as
 * OWASP advises, so a spreadsheet shows it as text instead of evaluating it).
 */
export function csvCell(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record with its CRLF terminator. */
export function csvRow(values: readonly (string | number)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
