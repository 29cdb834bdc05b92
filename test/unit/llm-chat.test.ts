import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDetectors } from '../../src/domain/detectors/run.js';
import { newMessageIndexes, promptText, redactMessages, type ChatMessage } from '../../src/domain/llm/chat.js';

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are a careful assistant.' },
  { role: 'user', content: 'My card is 4111 1111 1111 1111.' },
  { role: 'assistant', content: 'Noted.' },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'Mail jane.doe@example.com' },
      { type: 'image_url', image_url: {} },
    ],
  },
  { role: 'tool', tool_call_id: 'call_1', content: 'sent to 4111 1111 1111 1111' },
];

describe('LLM gateway: the prompt a request adds, and its redaction', () => {
  it('takes the messages after the last assistant message, or all of them on the first turn', () => {
    assert.deepEqual(newMessageIndexes(conversation), [3, 4]);
    assert.deepEqual(newMessageIndexes(conversation.slice(0, 2)), [0, 1]);
    assert.deepEqual(newMessageIndexes(conversation.slice(0, 3)), []);
  });

  it('joins the text of string and text-part contents, knowing where each came from', () => {
    const prompt = promptText(conversation, [3, 4]);
    assert.equal(prompt.content, 'Mail jane.doe@example.com\n\nsent to 4111 1111 1111 1111');
    assert.deepEqual(
      prompt.pieces.map((piece) => [piece.message, piece.part, prompt.content.slice(piece.start, piece.end)]),
      [
        [3, 0, 'Mail jane.doe@example.com'],
        [4, null, 'sent to 4111 1111 1111 1111'],
      ],
    );
    assert.equal(promptText([{ role: 'user', content: null }], [0]).content, '');
  });

  it('writes each finding back into the message and part it fell in, leaving every other field as sent', () => {
    const prompt = promptText(conversation, [3, 4]);
    const findings = runDetectors(prompt.content).findings.filter((f) => f.detector === 'pii');
    assert.ok(findings.length >= 2, JSON.stringify(findings));
    const redacted = redactMessages(conversation, prompt, findings);
    assert.deepEqual(redacted[3]!.content, [
      { type: 'text', text: 'Mail [REDACTED:email]' },
      { type: 'image_url', image_url: {} },
    ]);
    assert.deepEqual(redacted[4], {
      role: 'tool',
      tool_call_id: 'call_1',
      content: 'sent to [REDACTED:payment_card]',
    });
    // Earlier turns and the caller's own array are untouched.
    assert.equal(redacted[1]!.content, 'My card is 4111 1111 1111 1111.');
    assert.equal((conversation[3]!.content as readonly { text?: string }[])[0]!.text, 'Mail jane.doe@example.com');
  });
});
