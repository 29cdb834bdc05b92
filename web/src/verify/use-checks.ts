import { useEffect, useState } from 'react';

/**
 * Runs browser-side checks whenever their input changes and keeps the result with the input it is for, so a page
 * never shows one bundle's ✓ next to another bundle.
 */
export function useChecks<I, R>(input: I | null, run: (input: I) => Promise<R>): R | null {
  const [result, setResult] = useState<{ of: I; value: R } | null>(null);
  useEffect(() => {
    if (input === null) return;
    let current = true;
    void run(input).then((value) => current && setResult({ of: input, value }));
    return () => {
      current = false;
    };
  }, [input, run]);
  return result !== null && result.of === input ? result.value : null;
}
