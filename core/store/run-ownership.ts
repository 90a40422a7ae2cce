/**
 * Who owns an unfinished run, for crash recovery. A run row records its owner (host, pid, process start
 * time); when a store opens, every unfinished row whose owner is not alive is an orphan (its process died
 * mid-run) and is marked incomplete. The owner is alive when it is on this host and either
 * - this very process with a store that holds the run (a second store opened in the same process must
 *   not take the first one's runs for orphans), or
 * - another process whose pid exists AND whose start time is the recorded one: a pid reused by an
 *   unrelated process after a crash does not keep the dead server's runs 'running'.
 * Start time: on Linux, field 22 of /proc/<pid>/stat (clock ticks since boot). Elsewhere (macOS,
 * Windows), or for rows written before schema version 3, or when /proc cannot be read, there is no
 * start time and the check falls back to the pid alone (a reused pid then keeps a run 'running' until
 * that process ends: the old behaviour, never a live run taken for an orphan).
 * Each kind of run (backtests, training runs) keeps its own process-wide registry of held runs.
 */
import fs from 'node:fs';
import os from 'node:os';

/** What an unfinished run row records about its owner. */
export interface OwnerColumns {
  owner_host: string | null;
  owner_pid: number | null;
  owner_start: number | null;
}

/**
 * Start time of process `pid` in clock ticks since boot (Linux), or null when unknown (another OS, no
 * such process, /proc unreadable). Parsed after the last ')' of /proc/<pid>/stat: the command name
 * (field 2) is in parentheses and may itself contain spaces and parentheses.
 */
export function processStartTime(pid: number): number | null {
  if (process.platform !== 'linux' || !Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    return parseStatStartTime(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Field 22 (starttime) of a /proc/<pid>/stat line, or null if it is malformed. */
export function parseStatStartTime(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  // After ") " come field 3 (state) onwards: field 22 is at index 19.
  const field = stat
    .slice(close + 2)
    .split(' ')
    .at(22 - 3);
  const ticks = field === undefined || field === '' ? NaN : Number(field);
  return Number.isSafeInteger(ticks) && ticks >= 0 ? ticks : null;
}

let self: { pid: number; host: string; start: number | null } | undefined;

/** This process as an owner: pid, host name and start time (computed once). */
export function currentOwner(): { pid: number; host: string; start: number | null } {
  self ??= { pid: process.pid, host: os.hostname(), start: processStartTime(process.pid) };
  return self;
}

export class RunOwnership {
  /** Runs of stores open in this process and not finished (process-wide, per kind of run). */
  private readonly live: Set<string>;
  /** Runs this repository took and has not released. */
  private readonly mine = new Set<string>();

  constructor(registry: Set<string>) {
    this.live = registry;
  }

  own(runId: string): void {
    this.mine.add(runId);
    this.live.add(runId);
  }

  release(runId: string): void {
    this.mine.delete(runId);
    this.live.delete(runId);
  }

  /** Forget every run of this repository (its store is closing): the next open recovers them. */
  detach(): void {
    for (const id of this.mine) this.live.delete(id);
    this.mine.clear();
  }

  /** Is the owner recorded on a row still alive (see the header)? */
  ownerAlive(row: { id: string } & OwnerColumns): boolean {
    const me = currentOwner();
    if (row.owner_host !== me.host || row.owner_pid === null || row.owner_pid <= 0) return false;
    if (row.owner_pid === me.pid && (row.owner_start === null || row.owner_start === me.start)) {
      return this.live.has(row.id);
    }
    if (!pidAlive(row.owner_pid)) return false;
    if (row.owner_start === null) return true;
    const start = processStartTime(row.owner_pid);
    return start === null || start === row.owner_start;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
