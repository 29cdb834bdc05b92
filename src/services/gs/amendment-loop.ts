import type { FastifyBaseLogger } from 'fastify';
import { isDeepStrictEqual } from 'node:util';
import { CHANNELS } from '../../domain/notifications.js';
import type { Platform } from '../../platform/platform.js';
import type { SqlConstitutionStore } from '../ac/sql-store.js';
import { readGovernanceState } from '../integrity/governance-state.js';
import { PolicyStore } from '../integrity/policy-store.js';
import type { GsContext } from './context.js';
import type { OwnersReaders } from '../integrity/ports.js';
import type { RunStore } from './run-store.js';
import type { SynthesisRunner } from './runner.js';

/**
 * The governance loop's first half: when a constitution version is enacted, the principles it adds or whose
 * constraints or scope it changes are synthesised again (by the compiler: exact by construction, and proven) and
 * proposed with the removal of the repealed principles' policies as one change set, verified as a whole and
 * authored by whoever enacted it so that a second person approves. An amendment that changes no policy still gets a
 * (empty) set, activated at once, so the bundle in force names the constitution it implements. One run per version,
 * whichever instance sees it first; a version enacted while gs was down is picked up when it starts.
 */
export class AmendmentLoop {
  private handled = 0;
  private checking: Promise<void> | null = null;
  private unlisten: (() => Promise<void>) | null = null;

  private readonly platform: Platform;
  private readonly store: RunStore;
  private readonly versions: SqlConstitutionStore;
  private readonly readers: OwnersReaders;

  constructor(
    context: GsContext,
    private readonly runner: SynthesisRunner,
    private readonly log: FastifyBaseLogger,
  ) {
    this.platform = context.platform;
    this.store = context.runs;
    this.versions = context.constitutions;
    this.readers = context.readers;
  }

  async start(): Promise<void> {
    const check = () => this.check();
    this.unlisten = await this.platform.db.listen(CHANNELS.constitutionChanged, check, check);
    check();
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    await this.checking;
  }

  /** Checks the newest version; a check asked for while one runs is folded into it. */
  private check(): void {
    this.checking ??= this.synthesiseNewest()
      .catch((error: unknown) => this.log.warn({ err: error }, 'governance loop could not check the constitution'))
      .finally(() => {
        this.checking = null;
      });
  }

  private async synthesiseNewest(): Promise<void> {
    const newest = await this.versions.currentVersion();
    // Version 1 is the constitution the system started with; its bundle is the starter bundle.
    if (newest === null || newest.version <= 1 || newest.version <= this.handled) return;
    this.handled = newest.version;
    if (await this.store.hasLoopRun(newest.version)) return;
    // The change is measured from the constitution the bundle in force implements, so amendments enacted since then
    // whose change sets never reached enforcement are carried along: the newest set supersedes theirs.
    const implemented =
      (await readGovernanceState(this.platform.db, this.readers.constitutions)).bundle?.constitution_version ?? null;
    if (implemented === newest.version) return;
    const previous = await this.versions.version(implemented ?? newest.version - 1);
    if (previous === null) return;
    const before = new Map(previous.document.principles.map((principle) => [principle.key, principle]));
    const affected = newest.document.principles.filter((principle) => {
      const old = before.get(principle.key);
      return (
        principle.constraints.length > 0 &&
        (old === undefined ||
          !isDeepStrictEqual(old.constraints, principle.constraints) ||
          !isDeepStrictEqual(old.scope, principle.scope))
      );
    });
    // A repealed principle's policies: the active ones that implement no principle but repealed ones.
    const kept = new Set(newest.document.principles.map((principle) => principle.key));
    const repealed = previous.document.principles.map((p) => p.key).filter((key) => !kept.has(key));
    const revocations = await PolicyStore.activeImplementingOnly(this.platform.db, repealed);
    const run = await this.store.create({
      revocations,
      engine: 'compiler',
      principles: affected,
      constitution: { version: newest.version, hash: newest.hash },
      amendmentId: newest.enactedByAmendment,
      triggeredByVersion: newest.version,
      createdBy: newest.enactedBy,
      // Started by a notification, the run links to the request that enacted the version instead.
      traceparent: await this.versions.enactedIn(newest.version),
    });
    if (run === null) return;
    this.log.info(
      { run: run.id, version: newest.version, principles: run.principle_keys },
      'constitution changed: synthesising the principles it affects',
    );
    this.runner.kick();
  }
}
