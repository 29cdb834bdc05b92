// Detector cost on adversarial content, and whether a stream of such requests stalls the process's other services.
import { runDetectors } from '../src/domain/detectors/run.js';
import { adversarial, ADVERSARIAL_UNITS } from '../test/support/adversarial-content.js';
import { evaluationRequest, load, login, row, SECONDS, startStack, stopStack } from './stack.js';

const SIZE = 256 * 1024;

function inProcess(): void {
  console.log(`\n== Detectors on ${SIZE / 1024} KiB of adversarial content (least of 3 runs, all detectors) ==`);
  let worst = { name: '', ms: 0 };
  for (const [name, unit] of Object.entries(ADVERSARIAL_UNITS)) {
    const text = adversarial(unit, SIZE);
    let best = Infinity;
    for (let run = 0; run < 3; run += 1) {
      const started = performance.now();
      runDetectors(text);
      best = Math.min(best, performance.now() - started);
    }
    if (best > worst.ms) worst = { name, ms: best };
    console.log(`${name.padEnd(22)} ${best.toFixed(1).padStart(7)} ms`);
  }
  console.log(`worst: ${worst.name} ${worst.ms.toFixed(1)} ms (goal < 100 ms)`);
}

async function healthWhileScanning(): Promise<void> {
  console.log(
    `\n== auth /health p99 at 10 connections: idle vs while 4 clients send 256 KiB adversarial evaluates to pgc, ${SECONDS} s each ==`,
  );
  const stack = await startStack();
  try {
    const health = { url: `${stack.urls[0]!}/health`, connections: 10, duration: SECONDS };
    const token = await login(stack.urls[0]!);
    const units = Object.values(ADVERSARIAL_UNITS);
    let counter = 0;
    const idle = await load(health);
    const [busy, scans] = await Promise.all([
      load(health),
      load({
        url: `${stack.urls[5]!}/api/v1/enforcement/evaluate`,
        method: 'POST',
        connections: 4,
        duration: SECONDS,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        requests: [
          {
            // A different unit and a distinct tail each time, so no decision comes from the cache.
            setupRequest: (request) => {
              counter += 1;
              const content = `${adversarial(units[counter % units.length]!, SIZE - 16)}${String(counter).padStart(16)}`;
              return { ...request, body: JSON.stringify(evaluationRequest(content)) };
            },
          },
        ],
      }),
    ]);
    console.log(row('/health idle', idle));
    console.log(row('/health during 256 KiB scans', busy));
    console.log(row('POST evaluate, 256 KiB (4 clients)', scans));
    console.log(
      `p99 ratio busy/idle: ${(busy.latency.p99 / Math.max(idle.latency.p99, 1)).toFixed(2)}× (idle p99 floored at 1 ms); /health errors during scans: ${busy.errors + busy.non2xx}`,
    );
  } finally {
    await stopStack(stack);
  }
}

export async function detectorBenchmarks(): Promise<void> {
  inProcess();
  await healthWhileScanning();
}
