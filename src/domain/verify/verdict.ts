/**
 * What a verifier answers: holds, violated (with a counterexample), unsupported (a construct it cannot encode), or
 * inconclusive (the solver could not decide). A module of its own so schemas can name the verdicts without loading
 * the solver.
 */
export const VERDICTS = ['holds', 'violated', 'unsupported', 'inconclusive'] as const;
export type Verdict = (typeof VERDICTS)[number];
