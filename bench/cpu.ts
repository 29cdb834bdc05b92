// Where the machine's CPU goes during a load: the system under test, PostgreSQL, Redis, the load generator (this
// process: autocannon runs in it) and what is left idle, read from /proc (Linux). On a 2-core machine shared by all
// of them, this says which one a throughput figure is bound by.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

interface ProcessStat {
  pid: number;
  comm: string;
  ppid: number;
  ticks: number;
}

function processes(): ProcessStat[] {
  const found: ProcessStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // comm is parenthesised and may hold spaces; the fields after it are space-separated.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      found.push({
        pid: Number(entry),
        comm: stat.slice(stat.indexOf('(') + 1, close),
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return found;
}

function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

type Groups = Record<string, number>;

/** CPU ticks so far per group: the process trees under `serverPids`, postgres, redis-server, nginx, this process. */
function snapshot(serverPids: readonly number[]): { groups: Groups; machine: { busy: number; total: number } } {
  const all = processes();
  const children = new Map<number, number[]>();
  for (const stat of all) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat.pid]);
  const tree = new Set<number>();
  const pending = [...serverPids];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    tree.add(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  const groups: Groups = { 'system under test': 0, PostgreSQL: 0, Redis: 0, nginx: 0, 'load generator': 0 };
  for (const stat of all) {
    if (tree.has(stat.pid)) groups['system under test']! += stat.ticks;
    else if (stat.comm === 'postgres') groups['PostgreSQL']! += stat.ticks;
    else if (stat.comm === 'redis-server') groups['Redis']! += stat.ticks;
    else if (stat.comm === 'nginx') groups['nginx']! += stat.ticks;
    else if (stat.pid === process.pid) groups['load generator']! += stat.ticks;
  }
  return { groups, machine: machineTicks() };
}

/** Starts counting; the returned function says, in cores, what each group used since, and the machine's idle. */
export function countCpu(...serverPids: number[]): () => string {
  const before = snapshot(serverPids);
  const started = performance.now();
  return () => {
    const after = snapshot(serverPids);
    const seconds = (performance.now() - started) / 1000;
    const cores = (ticks: number) => (ticks / TICKS_PER_SECOND / seconds).toFixed(2);
    const parts = Object.keys(after.groups)
      .filter((group) => after.groups[group]! > before.groups[group]!)
      .map((group) => `${group} ${cores(after.groups[group]! - before.groups[group]!)}`);
    const total = after.machine.total - before.machine.total;
    const idle = total === 0 ? 0 : 1 - (after.machine.busy - before.machine.busy) / total;
    return `cpu (cores): ${parts.join(', ')}; machine idle ${(idle * 100).toFixed(0)} %`;
  };
}

/** CPU seconds the process trees under `serverPids` have used so far (Linux, 10 ms resolution). */
export function cpuSecondsOf(...serverPids: number[]): number {
  return snapshot(serverPids).groups['system under test']! / TICKS_PER_SECOND;
}
