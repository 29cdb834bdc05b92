import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tracingConfigured } from '../../src/platform/tracing.js';

describe('tracing configuration', () => {
  it('is on with an OTLP endpoint for traces, and off without one or when the standard variables turn it off', () => {
    assert.equal(tracingConfigured({}), false);
    assert.equal(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }), false);
    assert.equal(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }), true);
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    assert.equal(tracingConfigured({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }), false);
    assert.equal(tracingConfigured({ ...endpoint, OTEL_SDK_DISABLED: 'false' }), true);
    assert.equal(tracingConfigured({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }), false);
    assert.equal(tracingConfigured({ ...endpoint, OTEL_TRACES_EXPORTER: 'otlp' }), true);
  });
});
