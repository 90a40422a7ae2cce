import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReplayBuffer } from '../replay-buffer';
import {
  bestCheckpoint,
  CheckpointError,
  checkpointId,
  latestCheckpoint,
  listCheckpoints,
  NonFiniteWeightsError,
  packSnapshot,
  pruneCheckpoints,
  readCheckpoint,
  scanCheckpoints,
  writeCheckpoint,
  type CheckpointState,
} from './checkpoint';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-ckpt-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function agent(seed: number): Record<string, unknown> {
  const arr = (n: number, k: number): Float32Array =>
    Float32Array.from({ length: n }, (_, i) => seed + k + i / 7);
  return {
    version: 1,
    hidden: [4, 4],
    logAlpha: -0.25,
    actor: [arr(8, 0), arr(4, 1)],
    optimizers: { actor: { iterations: 3, names: ['a/m', 'a/v'], values: [arr(8, 2), arr(8, 3)] } },
  };
}

function state(step: number, extra: Partial<CheckpointState> = {}): CheckpointState {
  return {
    algo: 'sac',
    step,
    updates: step - 10,
    episodes: Math.floor(step / 50),
    configHash: 'abcdef0123456789',
    nextPath: [Math.floor(step / 50) + 1],
    normalizer: null,
    trainer: { updatesFrom: 10 },
    agent: agent(step),
    ...extra,
  };
}

function filledBuffer(n: number, capacity: number): ReplayBuffer {
  const b = new ReplayBuffer({ capacity, obsDim: 3, actionDim: 2, seed: 9 });
  for (let i = 0; i < n; i++)
    b.add([i, i + 1, i + 2], [i / n, -i / n], i * 0.5, [i + 3, i + 4, i + 5], i % 7 === 0);
  return b;
}

describe('checkpoints', () => {
  it('round-trips the agent snapshot, the state and the replay buffer', () => {
    const buf = filledBuffer(40, 64);
    buf.sample({
      size: 2,
      obs: new Float32Array(6),
      action: new Float32Array(4),
      reward: new Float32Array(2),
      nextObs: new Float32Array(6),
      done: new Float32Array(2),
    });
    const info = writeCheckpoint(
      dir,
      state(120, { evalReturn: 1.5, replay: { meta: buf.meta(), arrays: buf.arrays() } }),
    );
    expect(info).toMatchObject({
      id: 'step-000000120',
      step: 120,
      updates: 110,
      episodes: 2,
      evalReturn: 1.5,
    });
    expect(fs.readdirSync(info.dir).sort()).toEqual(['manifest.json', 'replay.bin', 'weights.bin']);
    const c = readCheckpoint(info.dir, { algo: 'sac', configHash: 'abcdef0123456789' });
    expect(c.agent).toEqual(agent(120));
    expect((c.agent as { actor: unknown[] }).actor[0]).toBeInstanceOf(Float32Array);
    expect(c.manifest.trainer).toEqual({ updatesFrom: 10 });
    expect(c.manifest.nextPath).toEqual([3]);
    expect(c.manifest.weights.map((w) => w.name)).toEqual([
      'agent.actor[0]',
      'agent.actor[1]',
      'agent.optimizers.actor.values[0]',
      'agent.optimizers.actor.values[1]',
    ]);
    const restored = ReplayBuffer.restore(c.replay!.meta, c.replay!.arrays);
    expect(restored.meta()).toEqual(buf.meta());
    const a = {
      size: 5,
      obs: new Float32Array(15),
      action: new Float32Array(10),
      reward: new Float32Array(5),
      nextObs: new Float32Array(15),
      done: new Float32Array(5),
    };
    const b = structuredClone(a);
    buf.sample(a);
    restored.sample(b);
    expect(b).toEqual(a);
  });

  it('writes only the replay meta when the contents exceed the limit', () => {
    const buf = filledBuffer(40, 64);
    const info = writeCheckpoint(dir, state(10, { replay: { meta: buf.meta(), arrays: buf.arrays() } }), {
      maxReplayBytes: 1000,
    });
    expect(fs.existsSync(path.join(info.dir, 'replay.bin'))).toBe(false);
    const c = readCheckpoint(info.dir);
    expect(c.replay).toBeUndefined();
    expect(c.manifest.replay?.meta.size).toBe(40);
    expect(c.manifest.replay?.file).toBeNull();
    expect(c.manifest.replay?.omitted).toMatch(/exceeds the 1000-byte limit/);
  });

  it('refuses non-finite weights and writes nothing', () => {
    const bad = agent(5);
    (bad.actor as Float32Array[])[1]![2] = Number.NaN;
    expect(() => writeCheckpoint(dir, state(5, { agent: bad }))).toThrow(NonFiniteWeightsError);
    expect(() => writeCheckpoint(dir, state(5, { agent: bad }))).toThrow(/agent\.actor\[1\]\[2\] = NaN/);
    expect(packSnapshot({ x: Number.POSITIVE_INFINITY }).nonFinite).toBe('agent.x = Infinity');
    expect(listCheckpoints(dir)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'checkpoints', checkpointId(5)))).toBe(false);
  });

  it('lists valid checkpoints and reports .tmp leftovers and corrupt manifests', () => {
    writeCheckpoint(dir, state(100));
    writeCheckpoint(dir, state(200));
    writeCheckpoint(dir, state(300));
    const root = path.join(dir, 'checkpoints');
    fs.mkdirSync(path.join(root, 'step-000000400.tmp'));
    fs.writeFileSync(path.join(root, 'step-000000200', 'manifest.json'), '{"format": 1, "trunc');
    fs.truncateSync(path.join(root, 'step-000000300', 'weights.bin'), 8);
    fs.mkdirSync(path.join(root, 'step-000000500')); // no manifest at all
    const { checkpoints, invalid } = scanCheckpoints(dir);
    expect(checkpoints.map((c) => c.id)).toEqual(['step-000000100']);
    const why = Object.fromEntries(invalid.map((i) => [i.id, i.reason]));
    expect(why['step-000000400.tmp']).toMatch(/incomplete write/);
    expect(why['step-000000200']).toMatch(/step-000000200\/manifest\.json: corrupt \(not JSON/);
    expect(why['step-000000300']).toMatch(/weights\.bin: has 8 bytes, the manifest says \d+/);
    expect(why['step-000000500']).toMatch(/manifest\.json: cannot read/);
    expect(latestCheckpoint(dir)?.step).toBe(100);
    expect(latestCheckpoint(path.join(dir, 'nope'))).toBeUndefined();
  });

  it('names the file when the contents are corrupt or from another config or algorithm', () => {
    const info = writeCheckpoint(dir, state(100));
    expect(() => readCheckpoint(info.dir, { algo: 'ppo' })).toThrow(
      /manifest\.json: is a sac checkpoint, not ppo/,
    );
    expect(() => readCheckpoint(info.dir, { configHash: 'ffff' })).toThrow(
      /manifest\.json: is from another config \(hash abcdef0123456789, this config is ffff\)/,
    );
    const w = path.join(info.dir, 'weights.bin');
    const bytes = fs.readFileSync(w);
    bytes[3] = bytes[3]! ^ 0xff;
    fs.writeFileSync(w, bytes);
    expect(() => readCheckpoint(info.dir)).toThrow(CheckpointError);
    expect(() => readCheckpoint(info.dir)).toThrow(/weights\.bin: corrupt \(sha256 does not match/);
  });

  it('keeps the newest K and the best by evaluation', () => {
    const evals = [5, 9, 1, 2, 3, 4, 0];
    evals.forEach((e, i) => writeCheckpoint(dir, state(100 * (i + 1), { evalReturn: e })));
    fs.mkdirSync(path.join(dir, 'checkpoints', 'step-000000900.tmp'));
    const removed = pruneCheckpoints(dir, 3);
    expect(removed.sort()).toEqual([
      'step-000000100',
      'step-000000300',
      'step-000000400',
      'step-000000900.tmp',
    ]);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([200, 500, 600, 700]);
    expect(bestCheckpoint(dir)?.step).toBe(200);
  });

  it('replaces a checkpoint of the same step atomically', () => {
    writeCheckpoint(dir, state(100));
    const again = writeCheckpoint(dir, state(100, { evalReturn: 7 }));
    expect(readCheckpoint(again.dir).manifest.evalReturn).toBe(7);
    expect(fs.readdirSync(path.join(dir, 'checkpoints'))).toEqual(['step-000000100']);
  });

  it('writes directories 0700 and files 0600, whatever the umask', () => {
    const old = process.umask(0o022);
    try {
      const run = path.join(dir, 'run');
      const info = writeCheckpoint(
        run,
        state(100, {
          replay: (() => {
            const b = filledBuffer(5, 8);
            return { meta: b.meta(), arrays: b.arrays() };
          })(),
        }),
      );
      const mode = (p: string): number => fs.statSync(p).mode & 0o777;
      expect(mode(path.join(run, 'checkpoints'))).toBe(0o700);
      expect(mode(info.dir)).toBe(0o700);
      expect(fs.readdirSync(info.dir).sort()).toEqual(['manifest.json', 'replay.bin', 'weights.bin']);
      for (const f of fs.readdirSync(info.dir)) expect(mode(path.join(info.dir, f)), f).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('keeps Float32Arrays of the trainer state in weights.bin and carries totalSteps and the stop', () => {
    const actions = Float32Array.from([0.1, -0.2, 0.3, 0.4]);
    const info = writeCheckpoint(
      dir,
      state(100, {
        totalSteps: 300,
        stop: { cause: 'time', reason: 'the time budget is spent' },
        trainer: { episode: { path: 2, actions }, n: 1 },
      }),
    );
    const c = readCheckpoint(info.dir);
    expect(c.trainer).toEqual({ episode: { path: 2, actions }, n: 1 });
    expect(c.trainer.episode).toMatchObject({ actions: expect.any(Float32Array) as Float32Array });
    expect(c.manifest.trainer).toEqual({ episode: { path: 2, actions: { $f32: 4 } }, n: 1 });
    expect(c.manifest).toMatchObject({ totalSteps: 300, stop: { cause: 'time' } });
    // The agent's arrays are unchanged by the trainer's.
    expect(c.agent).toEqual(agent(100));
  });
});
