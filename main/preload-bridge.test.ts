/**
 * The preload bridge, loaded with a stand-in for the `electron` module: it must expose exactly the
 * contract's names and refuse anything else without touching IPC.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT_TOPICS, METHOD_NAMES } from '../core/api/names';

const sent: unknown[][] = [];
const invoked: unknown[][] = [];
let exposed: Record<string, unknown> = {};

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: Record<string, unknown>) => {
      exposed = { key, ...api };
    },
  },
  ipcRenderer: {
    on: () => undefined,
    send: (...args: unknown[]) => sent.push(args),
    invoke: (...args: unknown[]) => {
      invoked.push(args);
      return Promise.resolve({ ok: true, output: null });
    },
  },
}));

type Bridge = {
  key: string;
  methods: readonly string[];
  topics: readonly string[];
  invoke(method: string, input?: unknown): Promise<{ ok: boolean; error?: { code: string } }>;
  subscribe(topic: string, cb: (p: unknown) => void): () => void;
};

describe('preload bridge', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    await import('../preload/index');
    bridge = exposed as unknown as Bridge;
  });

  it('exposes window.quotebench with the contract allow-list and nothing of ipcRenderer', () => {
    expect(bridge.key).toBe('quotebench');
    expect([...bridge.methods]).toEqual([...METHOD_NAMES]);
    expect([...bridge.topics]).toEqual([...EVENT_TOPICS]);
    expect(Object.keys(exposed).sort()).toEqual([
      'invoke',
      'key',
      'methods',
      'subscribe',
      'topics',
      'version',
    ]);
  });

  it('forwards allow-listed calls and refuses others without IPC', async () => {
    await bridge.invoke('runs.list', {});
    expect(invoked).toEqual([['qb:invoke', 'runs.list', {}]]);
    const r = await bridge.invoke('shell.exec', { cmd: 'rm -rf /' });
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(invoked).toHaveLength(1);
  });

  it('subscribes once per topic, unsubscribes with the last listener, ignores unknown topics', () => {
    const off1 = bridge.subscribe('job.progress', () => undefined);
    const off2 = bridge.subscribe('job.progress', () => undefined);
    bridge.subscribe('secrets.leak', () => undefined);
    expect(sent).toEqual([['qb:sub', 'job.progress']]);
    off1();
    expect(sent).toHaveLength(1);
    off2();
    expect(sent).toEqual([
      ['qb:sub', 'job.progress'],
      ['qb:unsub', 'job.progress'],
    ]);
  });
});
