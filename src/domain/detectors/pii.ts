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
// 13–19 digits, optionally grouped by single spaces or dashes, not inside a longer number.
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
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

function validSsn(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

/** Personal data: emails, phone numbers, payment cards (Luhn + network), IBANs (mod 97), US SSNs, IP addresses. */
export function detectPii(text: string): Finding[] {
  const findings = [
    ...scan(text, EMAIL, (m) => pii('email', m.index, m.index + m[0].length, 0.95)),
    ...scan(text, CARD, (m) => {
      const digits = m[0].replace(/[ -]/g, '');
      return luhnValid(digits) && cardNetwork(digits)
        ? pii('payment_card', m.index, m.index + m[0].length, 0.97)
        : null;
    }),
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
