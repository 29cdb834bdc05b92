/** Audit entries as CSV (RFC 4180: quoted fields, doubled quotes, CRLF) and as JSON lines for the export buttons. */

export interface ExportedEntry {
  leaf_index: number;
  timestamp: string;
  user_id: string | null;
  action: string;
  resource: string;
  details: unknown;
  source_ip?: string | null;
  request_id?: string | null;
}

const COLUMNS = [
  'leaf_index',
  'timestamp',
  'user_id',
  'action',
  'resource',
  'details',
  'source_ip',
  'request_id',
] as const;

function field(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function entriesToCsv(entries: readonly ExportedEntry[]): string {
  const lines = [COLUMNS.join(',')];
  for (const entry of entries) lines.push(COLUMNS.map((column) => field(entry[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
