/**
 * Content built to make a backtracking pattern slow: each unit repeated to the wanted size is a run that some
 * detector's pattern could try from every position (local parts of emails, digit runs, command words that open an
 * unbounded gap, delimiters, near-secrets, phone and email pairs that fill the overlap checks).
 */
export const ADVERSARIAL_UNITS: Readonly<Record<string, string>> = {
  letters: 'a',
  digits: '1',
  'digits-spaced': '1 ',
  'digits-dashed': '1-',
  'email-ish': 'a@a.',
  dots: 'a.',
  'ipv4-ish': '1.1.1.1.',
  'ipv6-ish': 'a:',
  'phone-ish': '+1 ',
  'upper-digits': 'AB12',
  'base64-ish': 'aB3+',
  'find-command': 'find a ',
  'curl-command': 'curl ',
  'dd-command': 'dd ',
  'rm-command': 'rm -',
  'sql-words': 'DROP DELETE FROM ',
  'password-words': 'password ',
  'private-key-header': '-----BEGIN A ',
  'injection-words': 'ignore previous ',
  'reveal-words': 'show system ',
  spaces: ' ',
  'zero-width': 'a\u200b',
  'phones-and-emails': '555-123-4567 a@b.co ',
  'cards-and-secrets': '4111 1111 1111 1111 AKIAABCDEFGHIJKLMNOP ',
};

export function adversarial(unit: string, characters: number): string {
  return unit.repeat(Math.ceil(characters / unit.length)).slice(0, characters);
}
