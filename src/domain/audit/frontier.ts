import { completedNodes, leafHash, rootHash, type Hash, type SubtreeReader } from './merkle.js';

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

/** Subtree hashes held in a map keyed "level:index", read as a tree store. */
function mapReader(known: ReadonlyMap<string, Hash>): SubtreeReader {
  const node = async (level: number, index: number) => {
    const hash = known.get(`${level}:${index}`);
    if (hash === undefined) throw new Error(`audit tree node ${level}:${index} is missing`);
    return hash;
  };
  return {
    node,
    nodes: async (coordinates) =>
      new Map(
        await Promise.all(
          coordinates.map(async ([level, index]) => [`${level}:${index}`, await node(level, index)] as const),
        ),
      ),
  };
}

/** Appends leaves to a tree known only by its frontier; returns every node created (level 0 included). */
export function appendToFrontier(
  size: number,
  frontier: ReadonlyMap<string, Hash>,
  entries: readonly Buffer[],
): Promise<[number, number, Hash][]> {
  return appendLeafHashes(size, frontier, entries.map(leafHash));
}

/** As appendToFrontier, for leaves whose hashes are already known. */
export async function appendLeafHashes(
  size: number,
  frontier: ReadonlyMap<string, Hash>,
  leaves: readonly Hash[],
): Promise<[number, number, Hash][]> {
  const known = new Map(frontier);
  const reader = mapReader(known);
  const created: [number, number, Hash][] = [];
  for (const [offset, leaf] of leaves.entries()) {
    const index = size + offset;
    known.set(`0:${index}`, leaf);
    created.push([0, index, leaf]);
    for (const node of await completedNodes(reader, index, leaf)) {
      known.set(`${node[0]}:${node[1]}`, node[2]);
      created.push(node);
    }
  }
  return created;
}

/** The frontier at `size` of a tree whose frontier was `before` until the nodes `created` extended it. */
export function advanceFrontier(
  before: ReadonlyMap<string, Hash>,
  created: readonly [number, number, Hash][],
  size: number,
): Map<string, Hash> {
  const known = new Map([...before, ...created.map(([level, index, hash]) => [`${level}:${index}`, hash] as const)]);
  return new Map(
    frontierCoordinates(size).map(([level, index]) => [`${level}:${index}`, known.get(`${level}:${index}`)!] as const),
  );
}

/** The root (RFC 9162 MTH) of the tree of `size` leaves with this frontier: the frontier is all it takes. */
export function frontierRoot(frontier: ReadonlyMap<string, Hash>, size: number): Promise<Hash> {
  return rootHash(mapReader(frontier), size);
}
