/**
 * Who owns an unfinished run, for crash recovery. A run row records its owner (host, pid); when a store
 * opens, every unfinished row whose owner is not alive is an orphan (its process died mid-run) and is
 * marked incomplete. The owner is alive when it is on this host and either another process whose pid
 * still exists, or this very process with a store that holds the run (a second store opened in the
 * same process must not take the first one's runs for orphans). Each kind of run (backtests, training
 * runs) keeps its own process-wide registry of held runs.
 */
import os from 'node:os';

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
  ownerAlive(row: { id: string; owner_host: string | null; owner_pid: number | null }): boolean {
    return (
      row.owner_host === os.hostname() &&
      row.owner_pid !== null &&
      (row.owner_pid === process.pid ? this.live.has(row.id) : pidAlive(row.owner_pid))
    );
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
