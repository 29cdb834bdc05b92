import type { ConstitutionObserver } from './actor.js';
import { Council } from './council.js';
import { PrincipleDrafts } from './principle-drafts.js';
import type { ConstitutionStore } from './store.js';
import { ConstitutionVersions } from './versions.js';

/** Principles, versions, meta-rules and the amendment process: the rules of ARCHITECTURE §1, free of HTTP and SQL. */
export interface Constitution {
  versions: ConstitutionVersions;
  principles: PrincipleDrafts;
  council: Council;
}

export function constitution(
  store: ConstitutionStore,
  observer: ConstitutionObserver,
  now: () => Date = () => new Date(),
): Constitution {
  const versions = new ConstitutionVersions(store, observer, now);
  return { versions, principles: new PrincipleDrafts(store), council: new Council(store, versions, observer, now) };
}
