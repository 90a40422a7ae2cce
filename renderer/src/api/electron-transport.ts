/**
 * The API over the Electron preload bridge. The main process answers every call with a CallResult
 * (never a thrown error); anything that still throws (IPC itself failing) is normalized, so no
 * "Error invoking remote method" prefix reaches the UI.
 */
import type { EventPayload, MethodInputArg, MethodOutput } from '../../../core/api/contract';
import type { EventTopic, MethodName } from '../../../core/api/names';
import type { QuotebenchBridge } from './bridge';
import { ApiCallError, isApiErrorLike, toCallError } from './errors';
import type { ApiClient, ConnectionInfo } from './transport';

type FullBridge = Required<Pick<QuotebenchBridge, 'invoke' | 'subscribe'>>;

export class ElectronTransport implements ApiClient {
  readonly kind = 'electron' as const;
  private readonly bridge: FullBridge;

  constructor(bridge: QuotebenchBridge) {
    if (!bridge.invoke || !bridge.subscribe) throw new Error('the preload bridge has no invoke/subscribe');
    this.bridge = { invoke: bridge.invoke.bind(bridge), subscribe: bridge.subscribe.bind(bridge) };
  }

  async call<M extends MethodName>(method: M, input: MethodInputArg<M>): Promise<MethodOutput<M>> {
    let result: Awaited<ReturnType<FullBridge['invoke']>>;
    try {
      result = await this.bridge.invoke(method, input);
    } catch (e) {
      throw toCallError(e, method);
    }
    if (result.ok) return result.output as MethodOutput<M>;
    if (isApiErrorLike(result.error)) throw ApiCallError.fromApiError(result.error, method);
    throw new ApiCallError('internal', `${method} failed`, '', method);
  }

  subscribe<T extends EventTopic>(topic: T, cb: (payload: EventPayload<T>) => void): () => void {
    return this.bridge.subscribe(topic, (payload) => cb(payload as EventPayload<T>));
  }

  onConnection(cb: (info: ConnectionInfo) => void): () => void {
    cb({ state: 'open', detail: '' });
    return () => undefined;
  }

  onServerError(): () => void {
    return () => undefined;
  }

  close(): void {}
}
