import type { EvaluationRequest } from './api/types.js';

/** Test bench cases a person saved, kept in this browser (they are drafts of requests, not platform records). */
export interface SavedCase {
  name: string;
  request: EvaluationRequest;
}

const KEY = 'acgs.test-bench.cases';

export function loadCases(storage: Storage = window.localStorage): SavedCase[] {
  try {
    const value: unknown = JSON.parse(storage.getItem(KEY) ?? '[]');
    return Array.isArray(value) ? (value as SavedCase[]).filter((item) => typeof item?.name === 'string') : [];
  } catch {
    return [];
  }
}

export function saveCases(cases: readonly SavedCase[], storage: Storage = window.localStorage): void {
  storage.setItem(KEY, JSON.stringify(cases));
}
