/**
 * A minimal WebSocket client of the server's framing (ws-protocol.ts) for the server tests: opens a
 * socket (rejecting with the HTTP status when the upgrade is refused), keeps every message it
 * receives, and waits for one by predicate (polling with a generous deadline, never a timing check).
 */
import { WebSocket } from 'ws';
import type { ServerMessage } from './ws-protocol';

export class WsTestClient {
  readonly messages: ServerMessage[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.messages.push(JSON.parse(d.toString()) as ServerMessage);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<WsTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const c = new WsTestClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`HTTP ${res.statusCode}`));
        ws.terminate();
      });
    });
  }

  async waitFor(pred: (m: ServerMessage) => boolean, timeoutMs = 30_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for a message');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async call(id: number, method: string, input: unknown, timeoutMs?: number): Promise<ServerMessage> {
    this.ws.send(JSON.stringify({ kind: 'call', id, method, input }));
    return this.waitFor((m) => m.kind === 'result' && m.id === id, timeoutMs);
  }

  close(): void {
    this.ws.close();
  }
}
