/**
 * The finite vocabulary of a verification question: every string and entity id its policies and properties mention.
 * A string-valued attribute is modelled as an index into `strings` or, at or past its end, as a fresh string no
 * policy mentions (distinct indexes, distinct strings) — exact for `==`, `!=` and set membership, the only string
 * tests the encoder accepts.
 */
export class Literals {
  private readonly stringIndex = new Map<string, number>();
  readonly strings: string[] = [];
  private readonly ids = new Map<string, string[]>();

  string(value: string): number {
    let index = this.stringIndex.get(value);
    if (index === undefined) {
      index = this.strings.length;
      this.strings.push(value);
      this.stringIndex.set(value, index);
    }
    return index;
  }

  entity(type: string, id: string): number {
    const list = this.ids.get(type) ?? [];
    this.ids.set(type, list);
    const index = list.indexOf(id);
    if (index >= 0) return index;
    list.push(id);
    return list.length - 1;
  }

  idsOf(type: string): readonly string[] {
    return this.ids.get(type) ?? [];
  }

  /** Collects every literal in a Cedar JSON policy (or condition): string values and entity references. */
  collect(json: unknown): void {
    if (Array.isArray(json)) {
      for (const item of json) this.collect(item);
      return;
    }
    if (typeof json !== 'object' || json === null) return;
    const record = json as Record<string, unknown>;
    const value = record['Value'];
    if (typeof value === 'string') this.string(value);
    const entity = (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : record)[
      '__entity'
    ] as { type?: unknown; id?: unknown } | undefined;
    const scoped = record['entity'] as { type?: unknown; id?: unknown } | undefined;
    for (const ref of [entity, scoped])
      if (ref !== undefined && typeof ref.type === 'string' && typeof ref.id === 'string' && ref.type !== 'Action')
        this.entity(ref.type, ref.id);
    for (const child of Object.values(record)) this.collect(child);
  }

  /** A string no policy mentions, for the `n`th fresh value: readable, storable, and distinct from every literal. */
  fresh(n: number, taken: readonly string[] = this.strings): string {
    let candidate = `other-${n}`;
    while (taken.includes(candidate)) candidate = `_${candidate}`;
    return candidate;
  }
}
