import { ValidationError } from '../errors.js';
import { scan, type Finding } from './finding.js';

/** A named list of terms (matched as whole words, case-insensitive) and regular expressions. */
export interface KeywordList {
  name: string;
  terms?: string[];
  patterns?: string[];
}

export interface CompiledKeywordList {
  name: string;
  regexes: RegExp[];
  /** Whether the list has regular expressions of its own: nothing proves those linear, unlike escaped terms. */
  hasPatterns: boolean;
}

const escape = (term: string) => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles lists once (at configuration time), rejecting patterns that do not compile. */
export function compileKeywordLists(lists: readonly KeywordList[]): CompiledKeywordList[] {
  return lists.map((list) => {
    const regexes: RegExp[] = [];
    if (list.terms !== undefined && list.terms.length > 0)
      regexes.push(new RegExp(`\\b(?:${list.terms.map(escape).join('|')})\\b`, 'gi'));
    for (const pattern of list.patterns ?? []) {
      try {
        regexes.push(new RegExp(pattern, 'gi'));
      } catch (error) {
        throw new ValidationError(
          `keyword list "${list.name}": pattern ${JSON.stringify(pattern)} does not compile: ${(error as Error).message}`,
          'INVALID_KEYWORD_PATTERN',
        );
      }
    }
    return { name: list.name, regexes, hasPatterns: (list.patterns ?? []).length > 0 };
  });
}

export function detectKeywords(text: string, lists: readonly CompiledKeywordList[]): Finding[] {
  return lists.flatMap((list) =>
    list.regexes.flatMap((regex) =>
      scan(text, regex, (m) => ({
        detector: 'keywords',
        kind: list.name,
        start: m.index,
        end: m.index + m[0].length,
        confidence: 1,
      })),
    ),
  );
}
