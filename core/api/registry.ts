/**
 * Binding the contract to handlers, once, for every transport (Electron IPC, WebSocket, tests).
 * `createDispatcher` checks that there is exactly one handler per method, validates every input with
 * the method's zod schema, and turns every failure into a typed ApiError {code, message, path}:
 * unknown method → unknown_method; schema failure → invalid_input naming the first bad field;
 * ApiException → its own code; a config error (ConfigError: schema, YAML syntax, parse limits) →
 * bad_config with its file:line:col message and the first issue's key path; any
 * other exception → internal (message only, never a stack).
 */
import { LimitError } from '../backtest/limits';
import { ConfigError, formatPath } from '../config/load-config';
import {
  ApiException,
  contract,
  type ApiError,
  type EventPayload,
  type MethodInput,
  type MethodOutput,
} from './contract';
import { METHOD_NAMES, isMethodName, type EventTopic, type MethodName } from './names';

export type Handler<M extends MethodName, Ctx> = (
  input: MethodInput<M>,
  ctx: Ctx,
) => Promise<MethodOutput<M>> | MethodOutput<M>;

export type Handlers<Ctx> = { [M in MethodName]: Handler<M, Ctx> };

export type CallResult = { ok: true; output: unknown } | { ok: false; error: ApiError };

export type Dispatch<Ctx> = (method: unknown, input: unknown, ctx: Ctx) => Promise<CallResult>;

export function createDispatcher<Ctx>(handlers: Handlers<Ctx>): Dispatch<Ctx> {
  const names = Object.keys(handlers).sort();
  const expected = [...METHOD_NAMES].sort();
  if (names.join(',') !== expected.join(',')) {
    const missing = expected.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !(expected as string[]).includes(n));
    throw new Error(
      `API handlers do not match the contract: missing [${missing.join(', ')}], extra [${extra.join(', ')}]`,
    );
  }
  return async (method, input, ctx) => {
    if (!isMethodName(method)) {
      return fail(
        'unknown_method',
        `unknown method ${JSON.stringify(method)?.slice(0, 100) ?? String(method)}`,
      );
    }
    const schema = contract.methods[method];
    const parsed = schema.safeParse(input === undefined ? {} : input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue ? formatPath(issue.path) : '';
      const keys = issue?.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
      return fail(
        'invalid_input',
        `${method}: ${path || 'input'}: ${issue?.message ?? 'invalid'}${keys}`,
        path,
      );
    }
    try {
      const handler = handlers[method] as Handler<MethodName, Ctx>;
      const output = await handler(parsed.data as MethodInput<MethodName>, ctx);
      return { ok: true, output };
    } catch (e) {
      return { ok: false, error: toApiError(e) };
    }
  };
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiException) return e.toApiError();
  if (e instanceof LimitError) return { code: 'limit_exceeded', message: e.message, path: e.key };
  if (e instanceof ConfigError) {
    const first = e.issues[0];
    return { code: 'bad_config', message: e.message, path: first?.path ?? '' };
  }
  if (e instanceof RangeError) return { code: 'invalid_input', message: e.message, path: '' };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message, path: '' };
}

function fail(code: ApiError['code'], message: string, path = ''): CallResult {
  return { ok: false, error: { code, message, path } };
}

type Listener = (payload: never) => void;

/** Publish/subscribe for contract events. Listener errors are isolated from each other. */
export class EventBus {
  private readonly listeners = new Map<EventTopic, Set<Listener>>();

  subscribe<T extends EventTopic>(topic: T, cb: (payload: EventPayload<T>) => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(cb as Listener);
    return () => {
      set.delete(cb as Listener);
    };
  }

  emit<T extends EventTopic>(topic: T, payload: EventPayload<T>): void {
    const set = this.listeners.get(topic);
    if (!set) return;
    for (const cb of set) {
      try {
        (cb as (p: EventPayload<T>) => void)(payload);
      } catch {
        // A broken subscriber must not stop the others (or the producer).
      }
    }
  }

  listenerCount(topic: EventTopic): number {
    return this.listeners.get(topic)?.size ?? 0;
  }
}
