/**
 * The service side of one training worker thread: starts it (worker-url.ts: through the tsx bootstrap
 * from sources, directly when bundled), sends requests, matches replies to their requests, and turns
 * the thread dying into one `onExit` call plus the rejection of every pending request. The tfjs work
 * all happens in the thread; this side only moves messages.
 */
import type { Worker } from 'node:worker_threads';
import type { TrainReply, TrainWorkerMessage, TrainWorkerRequest } from './train-protocol';
import { startWorker } from '../threads/worker-url';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type ReplyRequest = DistributiveOmit<Extract<TrainWorkerRequest, { reqId: number }>, 'reqId'>;

/** A failed request; `code` 'unavailable' when the worker lacks the feature. */
export class TrainWorkerError extends Error {
  override name = 'TrainWorkerError';
  constructor(
    message: string,
    readonly code: 'unavailable' | 'conflict' | 'worker' | 'timeout' = 'worker',
  ) {
    super(message);
  }
}

export interface TrainWorkerClientOptions {
  entry: URL;
  /** Every message that is not a reply. */
  onMessage?: (m: Exclude<TrainWorkerMessage, TrainReply>) => void;
  /** The thread ended (terminated or crashed) while this client was not closing it. */
  onExit?: (reason: string) => void;
}

export class TrainWorkerClient {
  private readonly worker: Worker;
  private nextReq = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closing = false;
  private exited = false;
  private readonly exitPromise: Promise<void>;

  constructor(private readonly opts: TrainWorkerClientOptions) {
    this.worker = startWorker(opts.entry);
    let lastError = '';
    this.worker.on('message', (m: TrainWorkerMessage) => {
      if (m.type === 'reply') {
        const p = this.pending.get(m.reqId);
        if (!p) return;
        this.pending.delete(m.reqId);
        if (m.ok) p.resolve(m.value);
        else p.reject(new TrainWorkerError(m.message, m.code ?? 'worker'));
        return;
      }
      opts.onMessage?.(m);
    });
    this.worker.on('error', (e: Error) => {
      lastError = e.message;
    });
    this.exitPromise = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.exited = true;
        const reason = lastError
          ? `the training worker crashed: ${lastError}`
          : `the training worker exited with code ${code}`;
        for (const p of this.pending.values()) p.reject(new TrainWorkerError(reason));
        this.pending.clear();
        if (!this.closing) opts.onExit?.(reason);
        resolve();
      });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  post(m: Exclude<TrainWorkerRequest, { reqId: number }>): void {
    if (!this.exited) this.worker.postMessage(m);
  }

  /** Send a request and wait for its reply (rejects with TrainWorkerError, or after `timeoutMs`). */
  request<T>(m: ReplyRequest, timeoutMs = 120_000): Promise<T> {
    if (this.exited) return Promise.reject(new TrainWorkerError('the training worker has exited'));
    const reqId = this.nextReq++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(
          new TrainWorkerError(`the training worker did not answer in ${timeoutMs / 1000} s`, 'timeout'),
        );
      }, timeoutMs);
      this.pending.set(reqId, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.worker.postMessage({ ...m, reqId } as TrainWorkerRequest);
    });
  }

  /** Terminate the thread (no onExit call); resolves once it is gone. */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.exited) await this.worker.terminate();
    await this.exitPromise;
  }
}
