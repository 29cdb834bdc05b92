import type { preValidationHookHandler } from 'fastify';
import { findUnstorableString } from '../../domain/text/unstorable-strings.js';
import { ValidationError } from '../../domain/errors.js';

/**
 * Every route refuses such strings in its body, query and path with 400 INVALID_STRING naming the field, before
 * anything reads them: one rule for all input, instead of a 500 from the database or the policy engine.
 */
export const rejectUnstorableStrings: preValidationHookHandler = async (request) => {
  for (const [part, value] of [
    ['body', request.body],
    ['query', request.query],
    ['params', request.params],
  ] as const) {
    const found = findUnstorableString(value, part);
    if (found !== null) throw new ValidationError(`${found.path} ${found.reason}`, 'INVALID_STRING');
  }
};
