// Binds the API contract to Electron IPC. The renderer calls `qb:invoke` (answered with a CallResult,
// never a thrown error, so no "Error invoking remote method" prefixes reach the UI) and manages event
// subscriptions with `qb:sub` / `qb:unsub`; events go back on `qb:event`. Every message's sender frame
// is checked against the entry page; subscriptions are keyed by WebContents and disposed when it
// navigates or is destroyed (and the service releases that client's live sessions).
import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { isEventTopic, type EventTopic } from '../core/api/names';
import type { CallResult } from '../core/api/registry';
import type { AppService } from '../core/services/app-service';
import { isTrustedIpcSender } from './security-policy';

export const IPC_INVOKE = 'qb:invoke';
export const IPC_SUB = 'qb:sub';
export const IPC_UNSUB = 'qb:unsub';
export const IPC_EVENT = 'qb:event';

export function bindApi(service: AppService, entryUrl: string): () => void {
  const subsByContents = new Map<number, Map<EventTopic, () => void>>();

  const release = (contents: WebContents): void => {
    const subs = subsByContents.get(contents.id);
    if (subs) for (const off of subs.values()) off();
    subsByContents.delete(contents.id);
    service.releaseClient(clientId(contents));
  };

  const trusted = (e: IpcMainEvent | IpcMainInvokeEvent): boolean =>
    isTrustedIpcSender(e.senderFrame?.url, entryUrl);

  ipcMain.handle(IPC_INVOKE, async (e, method: unknown, input: unknown): Promise<CallResult> => {
    if (!trusted(e))
      return { ok: false, error: { code: 'unauthorized', message: 'untrusted sender', path: '' } };
    return service.dispatch(method, input, { clientId: clientId(e.sender) });
  });

  ipcMain.on(IPC_SUB, (e, topic: unknown) => {
    if (!trusted(e) || !isEventTopic(topic)) return;
    const contents = e.sender;
    let subs = subsByContents.get(contents.id);
    if (!subs) {
      subs = new Map();
      subsByContents.set(contents.id, subs);
      contents.once('destroyed', () => release(contents));
      contents.on('did-start-navigation', (_ev, _url, isInPlace, isMainFrame) => {
        if (isMainFrame && !isInPlace) release(contents);
      });
    }
    if (subs.has(topic)) return;
    subs.set(
      topic,
      service.bus.subscribe(topic, (payload) => {
        if (!contents.isDestroyed()) contents.send(IPC_EVENT, topic, payload);
      }),
    );
  });

  ipcMain.on(IPC_UNSUB, (e, topic: unknown) => {
    if (!trusted(e) || !isEventTopic(topic)) return;
    const subs = subsByContents.get(e.sender.id);
    subs?.get(topic)?.();
    subs?.delete(topic);
  });

  return () => {
    ipcMain.removeHandler(IPC_INVOKE);
    ipcMain.removeAllListeners(IPC_SUB);
    ipcMain.removeAllListeners(IPC_UNSUB);
    for (const subs of subsByContents.values()) for (const off of subs.values()) off();
    subsByContents.clear();
  };
}

function clientId(contents: WebContents): string {
  return `webcontents-${contents.id}`;
}
