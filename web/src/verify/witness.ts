/**
 * A browser witness of the audit log: it keeps the last tree head it accepted and, on every visit, asks the server to
 * prove the new head extends it (RFC 9162 consistency). A log that was rewritten, or shrank, cannot prove that, and
 * the witness says so — and keeps the old head, so reloading does not make the alarm go away.
 */
import { fromHex } from './bytes.js';
import { verifyConsistency } from './merkle.js';

export interface WitnessedHead {
  tree_size: number;
  root_hash: string;
}

export interface ConsistencyAnswer {
  first_root: string;
  second_root: string;
  proof: string[];
}

export type WitnessVerdict =
  | { state: 'first-visit'; detail: string }
  | { state: 'consistent'; detail: string }
  | { state: 'inconsistent'; detail: string };

export interface WitnessStore {
  read(): WitnessedHead | null;
  write(head: WitnessedHead): void;
}

/** Checks `current` (already signature-checked by the caller) against what this browser saw last. */
export async function witness(
  current: WitnessedHead,
  store: WitnessStore,
  prove: (first: number, second: number) => Promise<ConsistencyAnswer>,
): Promise<WitnessVerdict> {
  const last = store.read();
  if (last === null) {
    store.write(current);
    return { state: 'first-visit', detail: `first visit: remembering the head of ${current.tree_size} entries` };
  }
  if (current.tree_size < last.tree_size)
    return {
      state: 'inconsistent',
      detail: `the log now has ${current.tree_size} entries, fewer than the ${last.tree_size} this browser saw`,
    };
  if (current.tree_size === last.tree_size) {
    if (current.root_hash !== last.root_hash)
      return { state: 'inconsistent', detail: `same size ${current.tree_size}, different root: the log was rewritten` };
    return { state: 'consistent', detail: `unchanged since the last visit (${current.tree_size} entries)` };
  }
  let answer: ConsistencyAnswer;
  try {
    answer = await prove(last.tree_size, current.tree_size);
  } catch (error) {
    return {
      state: 'inconsistent',
      detail: `no consistency proof from ${last.tree_size}: ${(error as Error).message}`,
    };
  }
  let ok = false;
  try {
    ok = await verifyConsistency(
      last.tree_size,
      current.tree_size,
      answer.proof.map(fromHex),
      fromHex(last.root_hash),
      fromHex(current.root_hash),
    );
  } catch {
    ok = false;
  }
  if (!ok)
    return {
      state: 'inconsistent',
      detail: `the head of ${current.tree_size} entries does not extend the one of ${last.tree_size} this browser saw`,
    };
  store.write(current);
  return {
    state: 'consistent',
    detail: `extends the head of ${last.tree_size} entries seen last (proof checked here)`,
  };
}

export function localStorageWitnessStore(
  storage: { getItem(key: string): string | null; setItem(key: string, value: string): void },
  key = 'acgs.witness.head',
): WitnessStore {
  return {
    read() {
      try {
        const value = JSON.parse(storage.getItem(key) ?? 'null') as WitnessedHead | null;
        return value !== null && typeof value.tree_size === 'number' && typeof value.root_hash === 'string'
          ? value
          : null;
      } catch {
        return null;
      }
    },
    write(head) {
      storage.setItem(key, JSON.stringify({ tree_size: head.tree_size, root_hash: head.root_hash }));
    },
  };
}
