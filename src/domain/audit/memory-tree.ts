import { completedNodes, leafHash, type Hash, type SubtreeReader } from './merkle.js';

/** An append-only Merkle tree held in memory: the reference store for tests and for recomputing a log offline. */
export class MemoryTree implements SubtreeReader {
  private readonly levels: Hash[][] = [[]];

  get size(): number {
    return this.levels[0]!.length;
  }

  async append(entry: Buffer): Promise<number> {
    const index = this.size;
    const leaf = leafHash(entry);
    this.levels[0]!.push(leaf);
    for (const [level, position, hash] of await completedNodes(this, index, leaf)) {
      (this.levels[level] ??= [])[position] = hash;
    }
    return index;
  }

  async nodes(coordinates: readonly [number, number][]): Promise<Map<string, Hash>> {
    return new Map(
      await Promise.all(
        coordinates.map(async ([level, index]) => [`${level}:${index}`, await this.node(level, index)] as const),
      ),
    );
  }

  async node(level: number, index: number): Promise<Hash> {
    const hash = this.levels[level]?.[index];
    if (hash === undefined) throw new RangeError(`no complete subtree at level ${level} index ${index}`);
    return hash;
  }
}
