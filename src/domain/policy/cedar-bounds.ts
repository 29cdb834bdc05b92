import { ValidationError } from '../errors.js';

/**
 * Limits on Cedar text from outside (verification requests, dry runs, drafts, synthesis output), checked before any
 * parser sees it. cedar-wasm's parser, validator and evaluator recurse on the expression tree: about 150 nested
 * parentheses or a few hundred chained `+` run the WebAssembly stack into the instance's heap and leave it answering
 * "memory access out of bounds" for good, and a chain of about 100 operators already overflows the JS stack when
 * Cedar converts the policy to JSON. The bounds sit well above any policy a person or the compiler writes (the
 * starter bundle's deepest nesting is 3, its most operators 7 plus its attribute accesses) and well below where Cedar
 * breaks: nesting and operators together stay under 75 levels of expression tree.
 */
export const CEDAR_LIMITS = {
  /** Characters of one policy set text. */
  textChars: 256 * 1024,
  /** Brackets — ( [ { — open at once. */
  nesting: 16,
  /** Operators in one policy (`if`, unary, binary, attribute access): each can add a level to the expression tree. */
  operators: 56,
} as const;

const OPERATOR = /^(?:&&|\|\||==|!=|<=|>=|[<>+*!.-]|if|has|like|is|in)$/;

/** Throws 400 POLICY_TOO_COMPLEX naming `field` when `text` is over CEDAR_LIMITS. */
export function assertCedarBounded(text: string, field: string): void {
  const problem = cedarBoundProblem(text);
  if (problem !== null)
    throw new ValidationError(
      `${field}: ${problem}; Cedar from outside is bounded before it is parsed (docs/enforcement.md#cedar-limits)`,
      'POLICY_TOO_COMPLEX',
    );
}

/**
 * Checks a Cedar text against CEDAR_LIMITS in one pass, outside Cedar: strings and comments are skipped, brackets
 * counted, and operators counted per policy (a `;` at depth 0 ends one). Says which limit it is over, or null.
 */
export function cedarBoundProblem(text: string): string | null {
  if (text.length > CEDAR_LIMITS.textChars) return `over ${CEDAR_LIMITS.textChars} characters`;
  let depth = 0;
  let operators = 0;
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') {
      index += 1;
      while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
      index += 1;
      continue;
    }
    if (char === '/' && text[index + 1] === '/') {
      while (index < text.length && text[index] !== '\n') index += 1;
      continue;
    }
    if (char === '(' || char === '[' || char === '{') {
      depth += 1;
      if (depth > CEDAR_LIMITS.nesting) return `brackets nest deeper than ${CEDAR_LIMITS.nesting}`;
    } else if (char === ')' || char === ']' || char === '}') depth = Math.max(0, depth - 1);
    else if (char === ';' && depth === 0) operators = 0;
    const word = /^(?:&&|\|\||[=!<>]=|[A-Za-z_][A-Za-z0-9_]*|[<>+*!.-])/.exec(text.slice(index, index + 64))?.[0];
    if (word !== undefined) {
      if (OPERATOR.test(word)) {
        operators += 1;
        if (operators > CEDAR_LIMITS.operators) return `a policy has more than ${CEDAR_LIMITS.operators} operators`;
      }
      index += word.length;
      continue;
    }
    index += 1;
  }
  return null;
}
