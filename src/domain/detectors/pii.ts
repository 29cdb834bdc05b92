import { ibanValid, luhnValid } from './checksums.js';
import { coveredBy, scan, type Finding } from './finding.js';

const pii = (kind: string, start: number, end: number, confidence: number): Finding => ({
  detector: 'pii',
  kind,
  start,
  end,
  confidence,
});

// Every repeated token starts where a run of its characters starts (the lookbehinds), so a long run is tried once,
// not once per character: the detectors stay linear in the content (test/unit/detector-complexity.test.ts).
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b/g;
// A run of digits, optionally grouped by single spaces or dashes, not inside a longer number: the card numbers are
// looked for within it (cardsIn), since a card quoted right after another number ("card 2 4111 …") shares its run.
const DIGIT_RUN = /(?<![\d-])\d(?:[ -]?\d){12,}(?![\d-])/g;
/** A run is searched for cards within this many characters of each group start: 19 digits and 18 separators. */
const LONGEST_CARD = 37;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g;
const SSN = /(?<!\d)(\d{3})-(\d{2})-(\d{4})(?!\d)/g;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])/g;
const IPV6 = /(?<![:\w])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![:\w])/g;
// International (+CC …) or North American ((555) 123-4567, 555-123-4567, 555.123.4567) numbers.
const PHONE =
  /(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){2,4}|\(\d{3}\)[ .-]?\d{3}[ .-]?\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\w-])/g;

/** Card networks by leading digits (IIN); a Luhn-valid number outside these is more likely an id than a card. */
function cardNetwork(digits: string): boolean {
  return /^(4\d{12}(\d{3}){0,2}|5[1-5]\d{14}|2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)\d{12}|3[47]\d{13}|6(011|5\d\d)\d{12,15}|35(2[89]|[3-8]\d)\d{12,15}|3(0[0-5]|[689]\d)\d{11,16})$/.test(
    digits,
  );
}

/** Whether text (digits, single spaces or dashes) is a card number: 13–19 digits, Luhn-valid, a known network. */
function isCard(text: string): boolean {
  const digits = text.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) && cardNetwork(digits);
}

/**
 * The card numbers in a run of digit groups starting at `offset`: the whole run when it is one, else, left to right,
 * the longest span of whole groups that is one. A run without separators is one number or none.
 */
function cardsIn(run: string, offset: number): Finding[] {
  if (isCard(run)) return [pii('payment_card', offset, offset + run.length, 0.97)];
  const separator = (at: number) => run[at] === ' ' || run[at] === '-';
  const ends: number[] = [];
  for (let at = 1; at <= run.length; at += 1) if (at === run.length || separator(at)) ends.push(at);
  const found: Finding[] = [];
  let from = 0;
  let first = 0;
  for (let start = 0; start < run.length; start += 1) {
    if (start < from || separator(start) || (start > 0 && !separator(start - 1))) continue;
    while (first < ends.length && ends[first]! <= start) first += 1;
    let last = first;
    while (last + 1 < ends.length && ends[last + 1]! - start <= LONGEST_CARD) last += 1;
    // Longest first: a 16-digit card is not cut to a 13-digit prefix that happens to pass.
    for (let candidate = last; candidate >= first; candidate -= 1) {
      const end = ends[candidate]!;
      if (end - start > LONGEST_CARD || !isCard(run.slice(start, end))) continue;
      found.push(pii('payment_card', offset + start, offset + end, 0.97));
      from = end;
      break;
    }
  }
  return found;
}

function validSsn(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

/** Personal data: emails, phone numbers, payment cards (Luhn + network), IBANs (mod 97), US SSNs, IP addresses. */
export function detectPii(text: string): Finding[] {
  const findings = [
    ...scan(text, EMAIL, (m) => pii('email', m.index, m.index + m[0].length, 0.95)),
    ...[...text.matchAll(DIGIT_RUN)].flatMap((m) => cardsIn(m[0], m.index)),
    ...scan(text, IBAN, (m) => (ibanValid(m[0]) ? pii('iban', m.index, m.index + m[0].length, 0.98) : null)),
    ...scan(text, SSN, (m) =>
      validSsn(m[1]!, m[2]!, m[3]!) ? pii('ssn', m.index, m.index + m[0].length, 0.85) : null,
    ),
    ...scan(text, IPV4, (m) => pii('ip_address', m.index, m.index + m[0].length, 0.9)),
    ...scan(text, IPV6, (m) => pii('ip_address', m.index, m.index + m[0].length, 0.9)),
  ];
  // A phone-shaped match inside a card, IBAN or SSN is that thing, not a phone number.
  const covered = coveredBy(findings);
  const phones = scan(text, PHONE, (m) => {
    const digits = m[0].replace(/\D/g, '').length;
    return digits >= 10 && digits <= 15 && !covered(m.index, m.index + m[0].length)
      ? pii('phone', m.index, m.index + m[0].length, 0.75)
      : null;
  });
  return [...findings, ...phones].sort((a, b) => a.start - b.start);
}
