import type { preValidationHookHandler } from 'fastify';
import { findUnacceptable } from '../../domain/text/unstorable-strings.js';
import { ValidationError } from '../../domain/errors.js';

/**
 * Every route refuses, in its body, query and path, strings that cannot be stored (400 INVALID_STRING), numbers that
 * are not finite (400 INVALID_NUMBER) and nesting past MAX_JSON_DEPTH (400 JSON_TOO_DEEP), naming the field, before
 * anything else reads them: one rule for all input, instead of a 500 from the database, the canonicaliser, a
 * recursive walk or the policy engine.
 */
export const rejectUnacceptableInput: preValidationHookHandler = async (request) => {
  for (const [part, value] of [
    ['body', request.body],
    ['query', request.query],
    ['params', request.params],
  ] as const) {
    const found = findUnacceptable(value, part);
    if (found !== null) throw new ValidationError(`${found.path} ${found.reason}`, found.code);
  }
};
