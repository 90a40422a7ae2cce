/**
 * One lazily started worker thread that parses and schema-checks config YAML (parse-worker.ts) so that
 * no document, however hostile or large, occupies the service thread's event loop. Requests run one at a time in arrival order; each
 * may take at most `timeoutMs` of the worker's time (measured from when it starts, plus a start-up
 * allowance the first time), after which the worker is terminated and the request fails with an issue
 * ("took longer than …"); the next request gets a fresh worker. A crash or out-of-memory of the worker
 * fails only the request it was working on. The worker is unref'd while idle: it never keeps a process
 * alive. Every outcome is a ParseReply: this module never rejects.
 *
 * The entry defaults to parse-worker.ts next to this file (started through the tsx bootstrap from
 * sources); a bundled build (Electron) must call setParseWorkerEntry with the bundled entry's URL.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads/worker-url';
import type { ParseReply, ParseRequest } from './parse-protocol';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type ParseJob = DistributiveOmit<ParseRequest, 'id'>;

export interface ParsePoolOptions {
  entry?: URL;
  /** Longest a request may run in the worker (ms); default 5000. */
  timeoutMs?: number;
  /** Extra time allowed for the worker to start (ms); default 30000 (tsx on a loaded machine). */
  startupMs?: number;
  /** Requests waiting beyond this many are refused at once; default 32. */
  maxQueued?: number;
  /** Heap limit of the worker (MB); default 512. */
  maxHeapMb?: number;
}

interface Pending {
  job: ParseJob;
  resolve: (r: ParseReply) => void;
}

export class ParsePool {
  private worker: Worker | null = null;
  private online = false;
  private lastError = '';
  private readonly queue: Pending[] = [];
  private current: { p: Pending; id: number; timer: NodeJS.Timeout | null } | null = null;
  private nextId = 1;
  private readonly timeoutMs: number;

  constructor(private readonly opts: ParsePoolOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  run(job: ParseJob): Promise<ParseReply> {
    return new Promise((resolve) => {
      if (this.queue.length >= (this.opts.maxQueued ?? 32)) {
        resolve(failure(0, 'the config parser is busy: try again'));
        return;
      }
      this.queue.push({ job, resolve });
      this.pump();
    });
  }

  /**
   * Start the worker now (a server calls this at start-up), so that the first config a client sends
   * does not wait for — or stall the event loop with — the worker's start.
   */
  warm(): void {
    this.ensureWorker();
  }

  /** Terminate the worker; the request in progress and queued ones fail. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const p of this.queue.splice(0)) p.resolve(failure(0, 'the config parser was shut down'));
    this.finish('the config parser was shut down');
    if (w) await w.terminate();
  }

  private pump(): void {
    if (this.current || this.queue.length === 0) return;
    const p = this.queue.shift() as Pending;
    const id = this.nextId++;
    const w = this.ensureWorker();
    this.current = { p, id, timer: null };
    this.armTimer();
    w.ref();
    try {
      w.postMessage({ ...p.job, id } satisfies ParseRequest);
    } catch (e) {
      // Data that cannot be cloned (or is nested too deeply for it): the worker never saw it.
      this.finish(`cannot hand the config to the parser: ${(e as Error).message}`);
    }
  }

  private armTimer(): void {
    const cur = this.current;
    if (!cur || cur.timer) return;
    const ms = this.timeoutMs + (this.online ? 0 : (this.opts.startupMs ?? 30_000));
    cur.timer = setTimeout(() => {
      if (this.current !== cur) return;
      const w = this.worker;
      this.worker = null;
      if (w) void w.terminate();
      this.finish(`parsing took longer than ${this.timeoutMs / 1000} s: the document is too complex`);
    }, ms);
  }

  /** Resolve the current request with a failure (or `reply`) and move on. */
  private finish(message: string, reply?: ParseReply): void {
    const cur = this.current;
    if (!cur) return;
    if (cur.timer) clearTimeout(cur.timer);
    this.current = null;
    this.worker?.unref();
    cur.p.resolve(reply ?? failure(cur.id, message));
    this.pump();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const entry = this.opts.entry ?? parseWorkerEntry();
    const w = startWorker(entry, {
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb ?? 512 },
    });
    this.worker = w;
    this.online = false;
    this.lastError = '';
    w.unref();
    w.on('online', () => {
      if (this.worker === w) this.online = true;
    });
    w.on('message', (reply: ParseReply) => {
      if (this.worker === w && this.current?.id === reply.id) this.finish('', reply);
    });
    w.on('error', (e: Error & { code?: string }) => {
      if (this.worker === w) {
        this.lastError =
          e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'it ran out of memory on this document' : e.message;
      }
    });
    w.once('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.finish(`the config parser stopped (${this.lastError || `exit code ${code}`})`);
    });
    return w;
  }
}

function failure(id: number, message: string): ParseReply {
  return { id, ok: false, issues: [{ path: '', message }] };
}

let entryOverride: URL | undefined;
let shared: ParsePool | undefined;

/** The bundled worker entry (Electron main passes `…/parse-worker?modulePath`); call before parsing. */
export function setParseWorkerEntry(entry: URL): void {
  entryOverride = entry;
}

function parseWorkerEntry(): URL {
  return entryOverride ?? new URL('./parse-worker.ts', import.meta.url);
}

/** The process-wide pool used by parseConfigTextAsync. */
export function sharedParsePool(): ParsePool {
  shared ??= new ParsePool();
  return shared;
}

/** Start the process-wide pool's worker ahead of the first request (server start-up). */
export function warmSharedParsePool(): void {
  sharedParsePool().warm();
}

/** Terminate the process-wide pool's worker (shutdown); a later parse starts a new one. */
export async function closeSharedParsePool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
