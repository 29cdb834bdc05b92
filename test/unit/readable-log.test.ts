import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readableLine } from '../../src/platform/readable-log.js';

describe('readable log lines', () => {
  it('shows a request as time, level, service, method, path, status and latency', () => {
    const line = readableLine(
      JSON.stringify({
        level: 30,
        time: Date.UTC(2026, 11, 6, 21, 4, 5, 123),
        pid: 1,
        service: 'auth',
        req_id: 'r1',
        method: 'POST',
        url: '/auth/login',
        endpoint: '/auth/login',
        status: 401,
        latency_ms: 12.5,
        ip: '127.0.0.1',
        msg: 'request',
      }),
    );
    assert.equal(line, '21:04:05.123 INFO  auth      POST /auth/login → 401 in 12.5 ms  ip=127.0.0.1');
  });

  it('keeps other fields as key=value after the message, and passes through what is not JSON', () => {
    const line = readableLine(JSON.stringify({ level: 40, time: 0, msg: 'upstream left out', server: 'fs', n: 2 }));
    assert.equal(line, '00:00:00.000 WARN            upstream left out  server=fs n=2');
    assert.equal(readableLine('not json'), 'not json');
  });
});
