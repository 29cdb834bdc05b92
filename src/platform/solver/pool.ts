import { CONTEXT_RANGES, CONTEXT_VALUES } from '../../domain/policy/governance-schema.js';
import type { Worker } from 'node:worker_threads';
import type { ConformanceOptions } from '../../domain/verify/conformance.js';
import type { ExportedQuery } from '../../domain/verify/smtlib.js';
import { siblingModule, startWorker } from '../threads/start-worker.js';
import {
  deserialiseError,
  type SolverTaskName,
  type SolverTasks,
  type TaskReply,
  type WireOptions,
  type WorkerMessage,
} from './tasks.js';

/** The solver could not answer (a worker crashed twice, ran out of memory, or passed its deadline): inconclusive. */
export class SolverUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SolverUnavailable';
  }
}

export interface SolverPoolSettings {
  /** Worker threads, each with its own Z3 (~300 MB); checks in one thread run one at a time. */
  workers: number;
  /** Z3's resource limit per solver call, applied to every task unless the task gives its own. */
  rlimit: number;
  /** Wall clock per task: past it the worker is ended and the question is not retried (it would take as long again). */
  taskTimeoutMs: number;
  /**
   * Wall clock a busy worker may go without finishing a solver call: past it the worker is taken for stuck, ended,
   * and its question retried once. Z3's own wall-clock timeout is not used: it runs a timer thread per check, and
   * runs that timed out crashed the WASM build; the resource limit bounds each call deterministically instead.
   */
  silenceMs?: number;
  /** The JS heap a worker may use before it is ended as out of memory. */
  maxHeapMb?: number;
  /** Tests substitute a worker that fails on purpose. */
  workerUrl?: URL;
}

export type WorkerState = 'starting' | 'idle' | 'busy';

export interface SolverPoolListener {
  onCheck?: (result: ExportedQuery['result']) => void;
  /** A worker died or was ended; `reason` in words. */
  onWorkerLost?: (reason: string) => void;
}

interface Pending {
  task: SolverTaskName;
  args: unknown[];
  onQuery: ((query: ExportedQuery) => void) | undefined;
  onCheck: ((result: ExportedQuery['result']) => void) | undefined;
  attempts: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  state: WorkerState;
  running: { id: number; pending: Pending; timer: NodeJS.Timeout; silence: NodeJS.Timeout | null } | null;
  /** Why the pool ended this worker, when it did (else its own exit or error says). */
  ended: string | null;
  ready: Promise<void>;
}

/** How many arguments each task takes, options included, so the options can be told from the rest. */
const SOLVER_ARITY: Record<SolverTaskName, number> = {
  checkAddedPolicy: 5,
  checkConformance: 4,
  checkPolicies: 3,
  compareBundles: 4,
  neverDecidesEach: 4,
  relatePolicies: 5,
};

/** Workers that die before they are ready, in a row, after which the pool stops replacing them. */
const MAX_START_FAILURES = 3;

const DEFAULT_WORKER = siblingModule(import.meta.url, 'worker');

/**
 * Long-lived solver worker threads, warmed at start. A task goes to an idle worker; a worker that crashes or runs
 * out of memory is replaced and its task retried once on the new one, then the task fails as `SolverUnavailable`;
 * a task past its deadline ends its worker (it is not retried: it would take as long again). The process never
 * dies with a worker.
 */
export class SolverPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Pending[] = [];
  private readonly listeners = new Set<SolverPoolListener>();
  private nextId = 1;
  private closed = false;
  private startFailures = 0;
  /** Why workers cannot start at all (set after MAX_START_FAILURES in a row); every task then fails at once. */
  private broken: string | null = null;

  constructor(private readonly settings: SolverPoolSettings) {}

  /** Starts the workers and waits until each has Z3 loaded and warm; fails if they cannot start. */
  async start(): Promise<void> {
    const started = Array.from({ length: this.settings.workers }, () => this.spawn());
    await Promise.all(started.map((slot) => slot.ready));
    while (this.broken === null && this.states().starting > 0)
      await Promise.all([...this.slots].map((slot) => slot.ready));
    if (this.broken !== null) throw new SolverUnavailable(`solver workers cannot start: ${this.broken}`);
  }

  /** Tells `listener` of every check's result and every lost worker until the returned function is called. */
  listen(listener: SolverPoolListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a domain question in a worker: same arguments, same answer, as if it were called here. */
  run<K extends SolverTaskName>(task: K, ...args: Parameters<SolverTasks[K]>): ReturnType<SolverTasks[K]> {
    const given = [...args] as unknown[];
    const options = (given.length === SOLVER_ARITY[task] ? given.pop() : undefined) as ConformanceOptions | undefined;
    const { onQuery, onCheck, ...rest } = options ?? {};
    // Functions cannot cross to a thread: the worker tells each check as it happens and sends queries at the end.
    // The services ask about requests enforcement accepts: Long context attributes within their declared ranges.
    const wire: WireOptions = {
      rlimit: this.settings.rlimit,
      contextRanges: CONTEXT_RANGES,
      contextValues: CONTEXT_VALUES,
      smallestCounterexamples: true,
      ...rest,
      onCheck: undefined,
      exportQueries: onQuery !== undefined,
    } as WireOptions;
    const promise = new Promise((resolve, reject) => {
      if (this.closed) return reject(new SolverUnavailable('the solver pool is closed'));
      if (this.broken !== null) return reject(new SolverUnavailable(`solver workers cannot start: ${this.broken}`));
      this.queue.push({ task, args: [...given, wire], onQuery, onCheck, attempts: 0, resolve, reject });
      this.dispatch();
    });
    return promise as ReturnType<SolverTasks[K]>;
  }

  /** How many workers are in each state, for `acgs_fv_workers{state}`. */
  states(): Record<WorkerState, number> {
    const counts: Record<WorkerState, number> = { starting: 0, idle: 0, busy: 0 };
    for (const slot of this.slots) counts[slot.state] += 1;
    return counts;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new SolverUnavailable('the solver pool closed'));
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) {
      if (slot.running !== null) {
        clearTimeout(slot.running.timer);
        if (slot.running.silence !== null) clearTimeout(slot.running.silence);
        slot.running.pending.reject(new SolverUnavailable('the solver pool closed'));
      }
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = startWorker(this.settings.workerUrl ?? DEFAULT_WORKER, {
      resourceLimits: { maxOldGenerationSizeMb: this.settings.maxHeapMb ?? 1024 },
    });
    let markReady: () => void = () => {};
    const slot: Slot = {
      worker,
      state: 'starting',
      running: null,
      ended: null,
      ready: new Promise<void>((resolve) => (markReady = resolve)),
    };
    this.slots.add(slot);
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) {
        slot.state = 'idle';
        this.startFailures = 0;
        markReady();
        this.dispatch();
      } else if ('check' in message) {
        if (slot.running?.id !== message.id) return;
        this.watchSilence(slot);
        for (const listener of this.listeners) listener.onCheck?.(message.check);
        slot.running.pending.onCheck?.(message.check);
      } else this.settle(slot, message);
    });
    // An uncaught error or an exhausted heap ends the thread: `error` comes first, then `exit`.
    let lost: string | null = null;
    worker.on('error', (error) => {
      lost = `${error.name}: ${error.message}`;
    });
    worker.on('exit', (code) => {
      markReady();
      this.lose(slot, slot.ended ?? lost ?? `the worker exited with code ${code}`);
    });
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.state !== 'idle') continue;
      const pending = this.queue.shift()!;
      const id = this.nextId++;
      pending.attempts += 1;
      const timer = setTimeout(() => {
        pending.reject(
          new SolverUnavailable(
            `the question took longer than ${this.settings.taskTimeoutMs} ms; its worker was ended`,
          ),
        );
        if (slot.running?.silence) clearTimeout(slot.running.silence);
        slot.running = null;
        void slot.worker.terminate();
      }, this.settings.taskTimeoutMs);
      slot.state = 'busy';
      slot.running = { id, pending, timer, silence: null };
      this.watchSilence(slot);
      slot.worker.postMessage({ id, task: pending.task, args: pending.args });
    }
  }

  /** (Re)starts the stuck-worker watch of a busy worker: called when it starts a question and at each solver call. */
  private watchSilence(slot: Slot): void {
    const running = slot.running;
    const silenceMs = this.settings.silenceMs;
    if (running === null || silenceMs === undefined) return;
    if (running.silence !== null) clearTimeout(running.silence);
    running.silence = setTimeout(() => {
      slot.ended = `no solver call finished for ${silenceMs} ms`;
      void slot.worker.terminate();
    }, silenceMs);
  }

  private settle(slot: Slot, reply: TaskReply): void {
    const running = slot.running;
    if (running === null || running.id !== reply.id) return;
    clearTimeout(running.timer);
    if (running.silence !== null) clearTimeout(running.silence);
    slot.running = null;
    slot.state = 'idle';
    if (reply.ok) {
      for (const query of reply.queries) running.pending.onQuery?.(query);
      running.pending.resolve(reply.value);
    } else running.pending.reject(deserialiseError(reply.error));
    this.dispatch();
  }

  /** A worker is gone: its task is retried once elsewhere, and a fresh worker takes its place. */
  private lose(slot: Slot, reason: string): void {
    if (!this.slots.delete(slot)) return;
    const running = slot.running;
    if (this.closed) return;
    for (const listener of this.listeners) listener.onWorkerLost?.(reason);
    if (running !== null) {
      clearTimeout(running.timer);
      if (running.silence !== null) clearTimeout(running.silence);
      if (running.pending.attempts < 2) this.queue.unshift(running.pending);
      else running.pending.reject(new SolverUnavailable(`the solver failed twice on this question (${reason})`));
    }
    if (slot.state === 'starting' && ++this.startFailures >= MAX_START_FAILURES) {
      this.broken = reason;
      for (const pending of this.queue.splice(0))
        pending.reject(new SolverUnavailable(`solver workers cannot start: ${reason}`));
      return;
    }
    this.spawn();
  }
}
