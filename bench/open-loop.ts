// An open-loop load over many kept-alive connections: requests are sent at a steady rate, spread evenly in time
// over the connections, the way many independent agents would call — unlike autocannon's rate mode, which fires
// every connection's share at the start of each second (1,000 connections → a burst of 1,000 every second).
// Latency is measured from when a request was due, so a server that falls behind is charged for the wait.
import { connect, type Socket } from 'node:net';

export interface OpenLoopOptions {
  url: string;
  connections: number;
  ratePerSecond: number;
  seconds: number;
  headers: Record<string, string>;
  body: (sequence: number) => string;
}

export interface OpenLoopResult {
  sent: number;
  completed: number;
  errors: number;
  non2xx: number;
  /** Milliseconds, from when each request was due to its full response. */
  p50: number;
  p95: number;
  p99: number;
}

interface Connection {
  socket: Socket;
  busy: boolean;
  buffer: Buffer;
  due: number;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(options.url);
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  const waiting: number[] = [];
  const idle: Connection[] = [];
  const request = (sequence: number) => {
    const body = options.body(sequence);
    const head = [
      `POST ${target.pathname} HTTP/1.1`,
      `host: ${target.host}`,
      'connection: keep-alive',
      `content-length: ${Buffer.byteLength(body)}`,
      ...Object.entries(options.headers).map(([name, value]) => `${name}: ${value}`),
    ];
    return `${head.join('\r\n')}\r\n\r\n${body}`;
  };
  const send = (connection: Connection, due: number) => {
    connection.busy = true;
    connection.due = due;
    connection.socket.write(request(sent));
    sent += 1;
  };
  const release = (connection: Connection) => {
    connection.busy = false;
    const due = waiting.shift();
    if (due === undefined) idle.push(connection);
    else send(connection, due);
  };
  // Each response is read whole (headers, then content-length bytes) before the connection takes the next request.
  const onData = (connection: Connection, chunk: Buffer) => {
    connection.buffer = Buffer.concat([connection.buffer, chunk]);
    const end = connection.buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = connection.buffer.subarray(0, end).toString('latin1');
    const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? '0');
    if (connection.buffer.length < end + 4 + length) return;
    connection.buffer = connection.buffer.subarray(end + 4 + length);
    const status = Number(head.slice(9, 12));
    if (status < 200 || status > 299) non2xx += 1;
    latencies.push(performance.now() - connection.due);
    release(connection);
  };
  const connections = await Promise.all(
    Array.from(
      { length: options.connections },
      () =>
        new Promise<Connection>((resolve, reject) => {
          const socket = connect(Number(target.port), target.hostname);
          const connection: Connection = { socket, busy: false, buffer: Buffer.alloc(0), due: 0 };
          socket.setNoDelay(true);
          socket.once('connect', () => resolve(connection));
          socket.once('error', reject);
          socket.on('data', (chunk: Buffer) => onData(connection, chunk));
        }),
    ),
  );
  for (const connection of connections) {
    connection.socket.on('error', () => {
      errors += 1;
    });
    idle.push(connection);
  }
  // Connections are taken in turn (a queue), so all of them carry traffic, not only the first few.
  const started = performance.now();
  const interval = 1000 / options.ratePerSecond;
  let scheduled = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      while (started + scheduled * interval <= now && scheduled < options.ratePerSecond * options.seconds) {
        const due = started + scheduled * interval;
        scheduled += 1;
        const connection = idle.shift();
        if (connection === undefined) waiting.push(due);
        else send(connection, due);
      }
      if (scheduled >= options.ratePerSecond * options.seconds) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  // What was sent gets up to 10 s to come back; what has not is an error (a timeout), as for autocannon.
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline && (waiting.length > 0 || connections.some((c) => c.busy)))
    await new Promise((resolve) => setTimeout(resolve, 20));
  errors += waiting.length + connections.filter((connection) => connection.busy).length;
  for (const connection of connections) connection.socket.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    sent,
    completed: latencies.length,
    errors,
    non2xx,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}
