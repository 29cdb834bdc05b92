import { compileKeywordLists, type CompiledKeywordList, type KeywordList } from '../domain/detectors/keywords.js';
import { ConfigError } from './errors.js';

/** Parses ACGS_KEYWORD_LISTS with the rest of the configuration, so a bad list stops start-up with the variable named. */
export function keywordListsFrom(raw: string | null): CompiledKeywordList[] {
  if (raw === null) return [];
  let lists: unknown;
  try {
    lists = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      'ACGS_KEYWORD_LISTS',
      'is not JSON; expected [{"name": "...", "terms": ["..."], "patterns": ["..."]}]',
    );
  }
  const valid =
    Array.isArray(lists) &&
    lists.every((list: unknown) => {
      const candidate = list as KeywordList;
      return (
        typeof candidate === 'object' &&
        candidate !== null &&
        typeof candidate.name === 'string' &&
        /^[a-z][a-z0-9_]*$/.test(candidate.name) &&
        (candidate.terms === undefined ||
          (Array.isArray(candidate.terms) && candidate.terms.every((term) => typeof term === 'string'))) &&
        (candidate.patterns === undefined ||
          (Array.isArray(candidate.patterns) && candidate.patterns.every((pattern) => typeof pattern === 'string')))
      );
    });
  if (!valid)
    throw new ConfigError(
      'ACGS_KEYWORD_LISTS',
      'expected a list of {name (snake_case), terms?: string[], patterns?: string[]}',
    );
  try {
    return compileKeywordLists(lists as KeywordList[]);
  } catch (error) {
    throw new ConfigError('ACGS_KEYWORD_LISTS', (error as Error).message);
  }
}
