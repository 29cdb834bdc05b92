import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertMayDecide, bindingDigest, type Approval } from '../../src/domain/approvals/approvals.js';
import { runDetectors } from '../../src/domain/detectors/run.js';
import { sessionStep } from '../../src/domain/enforcement/session.js';
import { AppError } from '../../src/domain/errors.js';
import { resourceAttributes, riskFromAnnotations, toolAttributes } from '../../src/domain/tools/catalogue.js';
import { redactResult, resultText } from '../../src/domain/tools/results.js';

describe('tool catalogue', () => {
  it('maps annotations to risk as documented, taking the MCP defaults for absent hints', () => {
    const cases: [object, number][] = [
      [{ readOnlyHint: true, openWorldHint: false }, 10],
      [{ readOnlyHint: true }, 30],
      [{ destructiveHint: false, openWorldHint: false }, 40],
      [{ destructiveHint: false }, 70],
      [{ destructiveHint: true, openWorldHint: false }, 90],
      [{}, 90],
    ];
    for (const [annotations, risk] of cases)
      assert.equal(riskFromAnnotations(annotations), risk, JSON.stringify(annotations));
  });

  it("keeps an admin's setting over the annotations, and lets a caller only raise the risk", () => {
    const tool = {
      id: 'fs.read',
      annotations: { readOnlyHint: true, openWorldHint: false },
      risk: null,
      data_classification: null,
    };
    assert.deepEqual(toolAttributes(tool), {
      risk: 10,
      data_classification: 'internal',
      read_only: true,
      destructive: false,
      open_world: false,
    });
    assert.equal(toolAttributes({ ...tool, risk: 75, data_classification: 'restricted' }).risk, 75);
    assert.equal(resourceAttributes({ risk: 0, read_only: false }, tool)!['risk'], 10, 'declared lower: ignored');
    assert.equal(resourceAttributes({ risk: 80 }, tool)!['risk'], 80, 'declared higher: counts');
    assert.equal(
      resourceAttributes({ read_only: false }, tool)!['read_only'],
      true,
      'only risk is the caller’s to raise',
    );
    assert.deepEqual(resourceAttributes({ risk: 5 }, null), { risk: 5 }, 'an unknown tool keeps what was declared');
  });
});

describe('tool results', () => {
  const result = {
    content: [
      { type: 'text', text: 'key AKIAIOSFODNN7EXAMPLE here' },
      { type: 'image', data: 'AAAA', mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'file:///a', text: 'mail ann@example.com' } },
    ],
    structuredContent: { owner: 'ann@example.com', n: 1 },
  };

  it('reads every text block, embedded resource text and the structured content', () => {
    const text = resultText(result);
    for (const part of ['AKIAIOSFODNN7EXAMPLE', 'mail ann@example.com', '"owner":"ann@example.com"'])
      assert.ok(text.includes(part));
  });

  it('redacts each finding in the block it fell in and leaves other blocks alone', () => {
    const findings = runDetectors(resultText(result)).findings.filter(
      (f) => f.detector === 'pii' || f.detector === 'secrets',
    );
    const redacted = redactResult(result, findings);
    assert.deepEqual(redacted.content, [
      { type: 'text', text: 'key [REDACTED:aws_access_key] here' },
      { type: 'image', data: 'AAAA', mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'file:///a', text: 'mail [REDACTED:email]' } },
    ]);
    assert.deepEqual(redacted.structuredContent, { owner: '[REDACTED:email]', n: 1 });
    assert.deepEqual(result.structuredContent.owner, 'ann@example.com', 'the original is not changed');
  });
});

describe('session history', () => {
  const finding = (detector: 'pii' | 'secrets' | 'injection', kind: string) => ({
    detector,
    kind,
    start: 0,
    end: 1,
    confidence: 1,
  });
  it('counts a tool once its call was allowed, and PII and secret kinds whatever was decided', () => {
    const resource = { type: 'Tool', id: 'mail.read_inbox' };
    assert.deepEqual(sessionStep({ action: 'tool_call', resource, decision: 'allow', findings: [] }).tools, [
      'mail.read_inbox',
    ]);
    assert.deepEqual(sessionStep({ action: 'tool_call', resource, decision: 'deny', findings: [] }).tools, []);
    assert.deepEqual(sessionStep({ action: 'respond', resource, decision: 'allow', findings: [] }).tools, []);
    const seen = sessionStep({
      action: 'respond',
      resource,
      decision: 'deny',
      findings: [
        finding('secrets', 'aws_access_key'),
        finding('pii', 'email'),
        finding('injection', 'override'),
        finding('pii', 'email'),
      ],
    });
    assert.deepEqual(seen.findings, ['aws_access_key', 'email']);
  });
});

describe('approvals', () => {
  const request = {
    requesterId: 'agent',
    principal: { type: 'Agent', id: 'a' },
    action: 'tool_call',
    resource: { type: 'Tool', id: 'fs.write_file' },
    contentDigest: 'c1',
  };
  it('binds to requester, principal, action, resource and content, nothing else', () => {
    const base = bindingDigest(request);
    assert.equal(bindingDigest({ ...request, principal: { type: 'Agent', id: 'a' } }), base);
    for (const changed of [
      { requesterId: 'other' },
      { principal: { type: 'Agent', id: 'b' } },
      { action: 'retrieve' },
      { resource: { type: 'Tool', id: 'fs.read' } },
      { contentDigest: 'c2' },
      { contentDigest: null },
    ])
      assert.notEqual(bindingDigest({ ...request, ...changed }), base, JSON.stringify(changed));
  });

  const approval: Approval = {
    id: 'x',
    decision_id: 'd',
    requester_id: 'agent',
    owner_id: 'owner',
    independent: false,
    principal: { type: 'Agent', id: 'a' },
    action: 'tool_call',
    resource_type: 'Tool',
    resource_id: 'fs.write_file',
    content_digest: 'c1',
    policy_ids: ['p'],
    principles: ['k'],
    status: 'pending',
    reason: null,
    decided_by: null,
    decided_at: null,
    expires_at: '2026-12-02T01:00:00.000Z',
    used_by_decision: null,
    used_at: null,
    created_at: '2026-12-02T00:00:00.000Z',
  };
  const now = new Date('2026-12-02T00:30:00Z');
  const refusal = (approver: string, changed: Partial<Approval> = {}, at = now) => {
    try {
      assertMayDecide(approver, { ...approval, ...changed }, at);
      return null;
    } catch (error) {
      return (error as AppError).errorCode;
    }
  };

  it('lets someone else decide a pending request in time, and nobody else', () => {
    assert.equal(refusal('manager'), null);
    assert.equal(refusal('owner'), null, 'the owner may, unless a policy asks for independence');
    assert.equal(refusal('agent'), 'TWO_PERSON_RULE');
    assert.equal(refusal('owner', { independent: true }), 'TWO_PERSON_RULE');
    assert.equal(refusal('manager', { status: 'approved' }), 'APPROVAL_DECIDED');
    assert.equal(refusal('manager', {}, new Date('2026-12-02T01:00:00Z')), 'APPROVAL_EXPIRED');
  });
});
