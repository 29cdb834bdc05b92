import type { Finding } from '../detectors/finding.js';
import { isRedactable, redact } from '../detectors/redact.js';

/**
 * How much of a streamed answer is held back: no character leaves while fewer than this many follow it, so a match
 * of up to this length is seen whole before any of it is released. The longest bounded detector pattern is a
 * command with up to 200 characters of arguments between its word and what makes it destructive (`find … -delete`,
 * `curl … | sh`); card numbers take at most 37, IBANs 42. Patterns without an upper bound (tokens, private-key
 * blocks) match from well inside this window, and a match reaching the newest text is held from its start for as
 * long as it grows.
 */
export const HOLD_BACK_CHARS = 256;

/** Held text is scanned and released in steps of at least this many characters: a scan per token would cost more. */
export const RELEASE_STEP_CHARS = 32;

const keyOf = (finding: Finding) => `${finding.detector}:${finding.kind}:${finding.start}`;

/**
 * One streamed answer's text between the model and the app: pieces go in as they arrive; text comes out only once
 * `HOLD_BACK_CHARS` follow it, with personal data and secrets redacted, and never part of a sensitive match. Each
 * release scans only the held text and the window before it, so a long answer costs linear time; the findings of
 * released text are kept, so what the answer amounts to (its detected context) is known as it streams.
 */
export class HeldText {
  private text = '';
  private released = 0;
  private delivered = '';
  /** Findings within released text: final, since released text never changes. */
  private readonly committed: Finding[] = [];
  private readonly committedKeys = new Set<string>();
  /** The latest scan's findings that reach into held text. */
  private pending: Finding[] = [];

  constructor(
    private readonly detect: (text: string) => readonly Finding[],
    private readonly holdBack = HOLD_BACK_CHARS,
  ) {}

  add(piece: string): void {
    this.text += piece;
  }

  /** Characters received. */
  get length(): number {
    return this.text.length;
  }

  /** Characters received and not yet released. */
  get held(): number {
    return this.text.length - this.released;
  }

  /** The text released so far, as the app got it. */
  get releasedText(): string {
    return this.delivered;
  }

  /** Everything received, as the model said it. */
  get original(): string {
    return this.text;
  }

  /** Every finding in the text received so far (as of the last scan). */
  findings(): Finding[] {
    return [...this.committed, ...this.pending];
  }

  /** Scans what may still change: the held text and, before it, a window that catches matches starting earlier. */
  scan(): void {
    const from = Math.max(0, this.released - this.holdBack);
    this.pending = this.detect(this.text.slice(from))
      .map((finding) => ({ ...finding, start: finding.start + from, end: finding.end + from }))
      .filter((finding) => finding.end > this.released && !this.committedKeys.has(keyOf(finding)));
  }

  /**
   * Releases held text up to `limit` (at most to where `HOLD_BACK_CHARS` remain held, unless the answer ended),
   * redacted by the last scan, and answers it. A sensitive match the cut would split is held whole.
   */
  release(limit: number, ended = false): string {
    let cut = Math.min(limit, ended ? this.text.length : this.text.length - this.holdBack);
    for (let moved = true; moved;) {
      moved = false;
      for (const finding of this.pending)
        if (isRedactable(finding) && finding.start < cut && finding.end > cut) {
          cut = finding.start;
          moved = true;
        }
    }
    if (cut <= this.released) return '';
    const inside = this.pending.filter((finding) => finding.end <= cut);
    const redacted = redact(
      this.text.slice(this.released, cut),
      inside
        .filter((finding) => isRedactable(finding) && finding.start >= this.released)
        .map((finding) => ({ ...finding, start: finding.start - this.released, end: finding.end - this.released })),
    ).content;
    for (const finding of inside) {
      this.committed.push(finding);
      this.committedKeys.add(keyOf(finding));
    }
    this.pending = this.pending.filter((finding) => finding.end > cut);
    this.released = cut;
    this.delivered += redacted;
    return redacted;
  }

  /** The answer so far as the app would get it if all of it were released now: what was, and the held text redacted. */
  redactedSoFar(): string {
    const sensitive = this.pending
      .filter((finding) => isRedactable(finding) && finding.start >= this.released)
      .map((finding) => ({ ...finding, start: finding.start - this.released, end: finding.end - this.released }));
    return this.delivered + redact(this.text.slice(this.released), sensitive).content;
  }
}
