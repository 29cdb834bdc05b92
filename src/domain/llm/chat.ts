import type { Finding } from '../detectors/finding.js';
import { redact } from '../detectors/redact.js';

/**
 * The parts of an OpenAI chat-completions message the gateway reads and may rewrite. Everything else a message or
 * a request carries (names, tool call ids, images, audio) is forwarded as it came.
 */
export interface ChatMessage {
  role: string;
  content?: string | readonly ChatContentPart[] | null;
  [field: string]: unknown;
}

export interface ChatContentPart {
  type: string;
  text?: string;
  [field: string]: unknown;
}

/** Where a piece of text sits: in message `message`, its content string (`part` null) or its text part `part`. */
interface Piece {
  message: number;
  part: number | null;
  /** Offsets of the piece in the decided text. */
  start: number;
  end: number;
}

/** The text a prompt is decided on, and where each piece of it came from so a redaction can be written back. */
export interface PromptText {
  content: string;
  pieces: Piece[];
}

/** Pieces are joined by a blank line: no detector pattern spans one, so a finding never straddles two messages. */
const SEPARATOR = '\n\n';

/**
 * The messages a request adds to the conversation: those after the last assistant message (the user's turn, tool
 * results, and on the first request the system prompt). Earlier messages were decided when they were new; the
 * model's own answers were decided as it gave them.
 */
export function newMessageIndexes(messages: readonly ChatMessage[]): number[] {
  let last = -1;
  messages.forEach((message, index) => {
    if (message.role === 'assistant') last = index;
  });
  return messages.map((_, index) => index).filter((index) => index > last);
}

/** The text of the given messages, in order, with where each piece came from. Non-text parts carry no text. */
export function promptText(messages: readonly ChatMessage[], indexes: readonly number[]): PromptText {
  const pieces: Piece[] = [];
  let content = '';
  const add = (message: number, part: number | null, text: string) => {
    if (text === '') return;
    if (content !== '') content += SEPARATOR;
    pieces.push({ message, part, start: content.length, end: content.length + text.length });
    content += text;
  };
  for (const index of indexes) {
    const body = messages[index]!.content;
    if (typeof body === 'string') add(index, null, body);
    else if (Array.isArray(body))
      (body as readonly ChatContentPart[]).forEach((part, partIndex) => {
        if (typeof part.text === 'string') add(index, partIndex, part.text);
      });
  }
  return { content, pieces };
}

/**
 * The messages with each finding's span replaced by [REDACTED:<kind>] in the piece it fell in, as `redact` writes
 * it; the other messages, and every other field, are unchanged.
 */
export function redactMessages(
  messages: readonly ChatMessage[],
  prompt: PromptText,
  findings: readonly Finding[],
): ChatMessage[] {
  const rewritten = messages.map((message) =>
    Array.isArray(message.content)
      ? { ...message, content: [...(message.content as ChatContentPart[])] }
      : { ...message },
  );
  for (const piece of prompt.pieces) {
    const inside = findings
      .filter((finding) => finding.start >= piece.start && finding.end <= piece.end)
      .map((finding) => ({ ...finding, start: finding.start - piece.start, end: finding.end - piece.start }));
    if (inside.length === 0) continue;
    const text = redact(prompt.content.slice(piece.start, piece.end), inside).content;
    const message = rewritten[piece.message]!;
    if (piece.part === null) message.content = text;
    else {
      const parts = message.content as ChatContentPart[];
      parts[piece.part] = { ...parts[piece.part]!, text };
    }
  }
  return rewritten;
}
