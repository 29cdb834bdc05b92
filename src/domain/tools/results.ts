import type { Finding } from '../detectors/finding.js';
import { redact } from '../detectors/redact.js';

/** The parts of an MCP tool result the detectors can read; other blocks (images, audio) pass through untouched. */
export interface ToolResultLike {
  content?: readonly ContentBlockLike[];
  structuredContent?: unknown;
  isError?: boolean;
  [key: string]: unknown;
}

export type ContentBlockLike =
  | { type: 'text'; text: string; [key: string]: unknown }
  | { type: 'resource'; resource: { text?: string; [key: string]: unknown }; [key: string]: unknown }
  | { type: string; [key: string]: unknown };

/** Blocks are joined with this, so no finding spans two blocks (the detectors never match across a blank line). */
const SEPARATOR = '\n\n';

interface Piece {
  /** Index of the content block, or -1 for structuredContent. */
  block: number;
  text: string;
  start: number;
}

function textOf(block: ContentBlockLike): string | null {
  if (block.type === 'text' && typeof block['text'] === 'string') return block['text'] as string;
  if (block.type === 'resource') {
    const resource = block['resource'] as { text?: unknown } | undefined;
    if (typeof resource?.text === 'string') return resource.text;
  }
  return null;
}

function piecesOf(result: ToolResultLike): Piece[] {
  const pieces: Piece[] = [];
  let offset = 0;
  const add = (block: number, text: string) => {
    pieces.push({ block, text, start: offset });
    offset += text.length + SEPARATOR.length;
  };
  (result.content ?? []).forEach((block, index) => {
    const text = textOf(block);
    if (text !== null) add(index, text);
  });
  if (result.structuredContent !== undefined) add(-1, JSON.stringify(result.structuredContent));
  return pieces;
}

/** Everything readable in a tool result as one text: what is evaluated as the `respond` that delivers it. */
export const resultText = (result: ToolResultLike): string =>
  piecesOf(result)
    .map((piece) => piece.text)
    .join(SEPARATOR);

/**
 * The result with every finding (offsets into resultText) replaced by `[REDACTED:<kind>]` in the block it fell in.
 * Structured content is redacted in its JSON text; if that no longer parses, it is dropped, since the text blocks
 * carry the same result for any client.
 */
export function redactResult(result: ToolResultLike, findings: readonly Finding[]): ToolResultLike {
  const content = [...(result.content ?? [])];
  let structured = result.structuredContent;
  for (const piece of piecesOf(result)) {
    const inside = findings
      .filter((finding) => finding.start >= piece.start && finding.end <= piece.start + piece.text.length)
      .map((finding) => ({ ...finding, start: finding.start - piece.start, end: finding.end - piece.start }));
    if (inside.length === 0) continue;
    const redacted = redact(piece.text, inside).content;
    if (piece.block === -1) {
      try {
        structured = JSON.parse(redacted);
      } catch {
        structured = undefined;
      }
      continue;
    }
    const block = content[piece.block]!;
    content[piece.block] =
      block.type === 'text'
        ? { ...block, text: redacted }
        : { ...block, resource: { ...(block['resource'] as object), text: redacted } };
  }
  const redacted: ToolResultLike = { ...result, content };
  if (structured === undefined) delete redacted.structuredContent;
  else redacted.structuredContent = structured;
  return redacted;
}
