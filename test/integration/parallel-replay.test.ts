import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GOVERNANCE_SCHEMA } from '../../src/domain/policy/governance-schema.js';
import { starterPolicies } from '../../src/domain/synthesis/starter-bundle.js';
import { PreparsedPolicies } from '../../src/domain/verify/replay.js';
import { replayAll } from '../../src/platform/threads/parallel-replay.js';
import { CedarGenerator, random } from '../support/cedar-generator.js';

const STARTER = Object.entries(starterPolicies()).map(([id, text]) => ({ id, text }));

describe('replaying a decision log on several threads', () => {
  it('decides 6,000 requests on 3 threads exactly as one thread does, in order', async () => {
    const generate = new CedarGenerator(random(11));
    const requests = Array.from({ length: 6000 }, () => generate.request());
    const inline = new PreparsedPolicies(GOVERNANCE_SCHEMA, STARTER, 'test:inline');
    const expected = requests.map((request) => inline.decide(request));
    const parallel = await replayAll(GOVERNANCE_SCHEMA, STARTER, requests, 3);
    assert.deepEqual(parallel, expected);
    assert.ok(new Set(expected.map((replayed) => replayed.decision)).size === 2, 'both decisions occur');
  });

  it('fails, naming Cedar’s reason, when a thread meets a request Cedar refuses', async () => {
    const generate = new CedarGenerator(random(12));
    const requests = Array.from({ length: 6000 }, () => generate.request());
    requests[5999] = { ...requests[5999]!, action: 'teleport' };
    await assert.rejects(replayAll(GOVERNANCE_SCHEMA, STARTER, requests, 2), /Cedar refused the request/);
  });
});
