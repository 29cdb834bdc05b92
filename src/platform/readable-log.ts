import { Writable } from 'node:stream';

const LEVELS: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields every line has or a person does not read: the rest follow the message as key=value. */
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'service', 'req_id']);

/** One pino JSON line as a person reads it: time, level, service, message, then the other fields. */
export function readableLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(Number(entry['time'] ?? Date.now())).toISOString().slice(11, 23);
  const level = LEVELS[Number(entry['level'])] ?? String(entry['level']);
  const service = typeof entry['service'] === 'string' ? entry['service'].padEnd(9) : ''.padEnd(9);
  const message =
    entry['msg'] === 'request'
      ? `${String(entry['method'])} ${String(entry['url'])} → ${String(entry['status'])} in ${String(entry['latency_ms'])} ms`
      : String(entry['msg'] ?? '');
  const rest = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key) && !(entry['msg'] === 'request' && REQUEST_FIELDS.has(key)))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${time} ${level} ${service} ${message}${rest.length > 0 ? `  ${rest.join(' ')}` : ''}`;
}

const REQUEST_FIELDS = new Set(['method', 'url', 'status', 'latency_ms', 'endpoint']);

/** A pino destination that writes readable lines to a terminal, for `acgs up` run by a person in development. */
export function readableDestination(out: NodeJS.WriteStream = process.stdout): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (lines.length > 0) out.write(`${lines.map(readableLine).join('\n')}\n`);
      done();
    },
  });
}
