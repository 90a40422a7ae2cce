/**
 * The API surface: every method has exactly one schema and one handler, the preload allow-list is the
 * contract's list, and the whole surface (names + input JSON schemas) is pinned by a golden file so a
 * change to it is always deliberate.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contract } from './contract';
import { EVENT_TOPICS, METHOD_NAMES } from './names';
import { createDispatcher, type Handlers } from './registry';

describe('API surface', () => {
  it('has a schema for exactly the listed methods', () => {
    expect(Object.keys(contract.methods).sort()).toEqual([...METHOD_NAMES].sort());
  });

  it('refuses a handler set that misses or adds a method', () => {
    const handlers = Object.fromEntries(
      METHOD_NAMES.map((m) => [m, () => ({})]),
    ) as unknown as Handlers<unknown>;
    expect(() => createDispatcher(handlers)).not.toThrow();
    const missing = { ...handlers } as Partial<Handlers<unknown>>;
    delete missing['runs.get'];
    expect(() => createDispatcher(missing as Handlers<unknown>)).toThrow(/missing \[runs\.get\]/);
    expect(() =>
      createDispatcher({ ...handlers, 'runs.rename': () => ({}) } as unknown as Handlers<unknown>),
    ).toThrow(/extra \[runs\.rename\]/);
  });

  it('is pinned by a golden file', async () => {
    const surface = {
      methods: Object.fromEntries(
        [...METHOD_NAMES]
          .sort()
          .map((m) => [m, z.toJSONSchema(contract.methods[m], { io: 'input', unrepresentable: 'any' })]),
      ),
      events: [...EVENT_TOPICS].sort(),
    };
    await expect(JSON.stringify(surface, null, 2) + '\n').toMatchFileSnapshot(
      './__golden__/api-surface.json',
    );
  });
});

describe('dispatcher', () => {
  const handlers = Object.fromEntries(
    METHOD_NAMES.map((m) => [m, (input: unknown) => ({ echo: input })]),
  ) as unknown as Handlers<unknown>;
  handlers['runs.get'] = () => {
    throw new Error('disk on fire');
  };
  const dispatch = createDispatcher(handlers);

  it('validates input and names the bad field', async () => {
    const r = await dispatch('runs.series', { runId: 'x', resultIndex: -1, path: 0 }, {});
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input', path: 'resultIndex' } });
    const extra = await dispatch('jobs.cancel', { jobId: 'a', evil: 1 }, {});
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    if (!extra.ok) expect(extra.error.message).toMatch(/evil/);
  });

  it('applies defaults and passes the parsed input to the handler', async () => {
    const r = await dispatch('runs.list', {}, {});
    expect(r).toEqual({ ok: true, output: { echo: { limit: 200 } } });
  });

  it('types unknown methods and handler failures', async () => {
    expect(await dispatch('runs.nope', {}, {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    });
    expect(await dispatch(42, {}, {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await dispatch('runs.get', { runId: 'a' }, {})).toEqual({
      ok: false,
      error: { code: 'internal', message: 'disk on fire', path: '' },
    });
  });
});
