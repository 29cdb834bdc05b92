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

/** Pieces are joined with this, so no finding spans two of them (the detectors never match across a blank line). */
const SEPARATOR = '\n\n';

type Path = readonly (string | number)[];

/**
 * One readable piece of a result: a content block's text, or one value of the structured content — a string (which
 * can be redacted where it stands), or a number or key (which cannot be, without changing the value's type).
 */
type PieceAt = { text: string } & (
  { where: 'block'; block: number } | { where: 'value'; path: Path } | { where: 'fixed'; path: Path; key: boolean }
);
type Piece = PieceAt & { start: number };

function textOf(block: ContentBlockLike): string | null {
  if (block.type === 'text' && typeof block['text'] === 'string') return block['text'] as string;
  if (block.type === 'resource') {
    const resource = block['resource'] as { text?: unknown } | undefined;
    if (typeof resource?.text === 'string') return resource.text;
  }
  return null;
}

/** Every string, number and key of a JSON value with its path, depth first, iteratively (values may be deep). */
function structuredPieces(root: unknown): PieceAt[] {
  const pieces: PieceAt[] = [];
  const stack: ({ value: unknown; path: Path } | { key: string; path: Path })[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if ('key' in next) {
      // A key is read like a value but never redacted in place: it is the schema's, not the data's.
      pieces.push({ where: 'fixed', path: next.path, key: true, text: next.key });
      continue;
    }
    const { value, path } = next;
    if (typeof value === 'string') pieces.push({ where: 'value', path, text: value });
    else if (typeof value === 'number') pieces.push({ where: 'fixed', path, key: false, text: String(value) });
    else if (Array.isArray(value))
      for (let index = value.length - 1; index >= 0; index -= 1)
        stack.push({ value: value[index], path: [...path, index] });
    else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [key, item] = entries[index]!;
        stack.push({ value: item, path: [...path, key] });
        stack.push({ key, path: [...path, key] });
      }
    }
  }
  return pieces;
}

function piecesOf(result: ToolResultLike): Piece[] {
  const found: PieceAt[] = [];
  (result.content ?? []).forEach((block, index) => {
    const text = textOf(block);
    if (text !== null) found.push({ where: 'block', block: index, text });
  });
  if (result.structuredContent !== undefined) found.push(...structuredPieces(result.structuredContent));
  let offset = 0;
  return found.map((piece) => {
    const placed = { ...piece, start: offset };
    offset += piece.text.length + SEPARATOR.length;
    return placed;
  });
}

/**
 * Everything readable in a tool result as one text — each text block, then each string, number and key of the
 * structured content — what is evaluated as the `respond` that delivers it.
 */
export const resultText = (result: ToolResultLike): string =>
  piecesOf(result)
    .map((piece) => piece.text)
    .join(SEPARATOR);

/** A copy of a JSON value with the string at `path` replaced. */
function replaced(value: unknown, path: Path, text: string): unknown {
  if (path.length === 0) return text;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((item, index) => (index === head ? replaced(item, rest, text) : item));
  const record = value as Record<string, unknown>;
  return { ...record, [head as string]: replaced(record[head as string], rest, text) };
}

export interface RedactionOptions {
  /** The tool's output schema, as a check: whether redacted structured content still conforms to it. */
  conforms?: (structured: unknown) => boolean;
}

/**
 * The result with every finding (offsets into resultText) replaced by `[REDACTED:<kind>]` where it stands: in the text
 * block it fell in, or in the one string of the structured content — never in serialised JSON, so the structured
 * content stays JSON of the same shape. When a finding is in a number or a key, or the redacted structured content no
 * longer conforms to the tool's output schema, the structured content is withheld; a tool that declares an output
 * schema then answers as an error (so an MCP client accepts it without structured content), saying why.
 */
export function redactResult(
  result: ToolResultLike,
  findings: readonly Finding[],
  options: RedactionOptions = {},
): ToolResultLike {
  const content = [...(result.content ?? [])];
  let structured = result.structuredContent;
  let withheld: string | null = null;
  for (const piece of piecesOf(result)) {
    const inside = findings
      .filter((finding) => finding.start >= piece.start && finding.end <= piece.start + piece.text.length)
      .map((finding) => ({ ...finding, start: finding.start - piece.start, end: finding.end - piece.start }));
    if (inside.length === 0) continue;
    const redacted = redact(piece.text, inside).content;
    if (piece.where === 'fixed')
      withheld = `a finding in ${piece.key ? 'the key of ' : ''}${pathText(piece.path)} cannot be redacted where it stands`;
    else if (piece.where === 'value') structured = replaced(structured, piece.path, redacted);
    else {
      const block = content[piece.block]!;
      content[piece.block] =
        block.type === 'text'
          ? { ...block, text: redacted }
          : { ...block, resource: { ...(block['resource'] as object), text: redacted } };
    }
  }
  if (withheld === null && structured !== result.structuredContent && options.conforms?.(structured) === false)
    withheld = "the redacted values no longer match the tool's output schema";
  const answer: ToolResultLike = { ...result, content };
  if (withheld === null) {
    if (structured !== undefined) answer.structuredContent = structured;
    return answer;
  }
  delete answer.structuredContent;
  if (options.conforms === undefined) return answer;
  return {
    ...answer,
    isError: true,
    content: [
      ...content,
      {
        type: 'text',
        text: `[ACGS] The structured result was withheld: ${withheld}. The text above is the redacted result.`,
      },
    ],
  };
}

const pathText = (path: Path): string =>
  `structuredContent${path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('')}`;
