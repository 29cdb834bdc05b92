import { completedNodes, leafHash, type Hash, type SubtreeReader } from './merkle.js';

/**
 * The complete subtrees on the right edge of a tree of `size` leaves (one per 1-bit of size). Appending needs no
 * other node: every sibling an append combines with is one of these or was created by the same batch.
 */
export function frontierCoordinates(size: number): [number, number][] {
  const coordinates: [number, number][] = [];
  let start = 0;
  for (let level = 52; level >= 0; level -= 1) {
    const width = 2 ** level;
    if (size - start >= width) {
      coordinates.push([level, start / width]);
      start += width;
    }
  }
  return coordinates;
}

/** Appends leaves to a tree known only by its frontier; returns every node created (level 0 included). */
export async function appendToFrontier(size: number, frontier: ReadonlyMap<string, Hash>, entries: readonly Buffer[]): Promise<[number, number, Hash][]> {
  const known = new Map(frontier);
  const node = async (level: number, index: number) => {
    const hash = known.get(`${level}:${index}`);
    if (hash === undefined) throw new Error(`audit tree node ${level}:${index} is missing`);
    return hash;
  };
  const reader: SubtreeReader = {
    node,
    nodes: async (coordinates) => new Map(await Promise.all(coordinates.map(async ([level, index]) => [`${level}:${index}`, await node(level, index)] as const))),
  };
  const created: [number, number, Hash][] = [];
  for (const [offset, entry] of entries.entries()) {
    const index = size + offset;
    const leaf = leafHash(entry);
    known.set(`0:${index}`, leaf);
    created.push([0, index, leaf]);
    for (const node of await completedNodes(reader, index, leaf)) {
      known.set(`${node[0]}:${node[1]}`, node[2]);
      created.push(node);
    }
  }
  return created;
}
