/**
 * Worker-thread entry that parses config YAML off the service thread (see parse-pool.ts). Stateless:
 * each request carries its text; a `locate` request parses again (it only follows a schema failure).
 * It never throws: parseYaml turns every failure into issues, and anything else is reported as one.
 */
import { parentPort } from 'node:worker_threads';
import type { ParseReply, ParseRequest } from './parse-protocol';
import { locateAll, parseYaml } from './parse-yaml';

function handle(req: ParseRequest): ParseReply {
  const r = parseYaml(req.text, req.limits);
  if (!r.ok) return { id: req.id, ok: false, issues: r.issues };
  if (req.op === 'parse') return { id: req.id, ok: true, data: r.parsed.data };
  return { id: req.id, ok: true, positions: locateAll(r.parsed, req.targets) };
}

const port = parentPort;
if (port) {
  port.on('message', (req: ParseRequest) => {
    let reply: ParseReply;
    try {
      reply = handle(req);
    } catch (e) {
      reply = {
        id: req.id,
        ok: false,
        issues: [{ path: '', message: `cannot parse the document: ${String(e)}` }],
      };
    }
    try {
      port.postMessage(reply);
    } catch (e) {
      // The data could not be cloned (should not happen for YAML's JSON-like output).
      port.postMessage({
        id: req.id,
        ok: false,
        issues: [{ path: '', message: `cannot parse the document: ${(e as Error).message}` }],
      } satisfies ParseReply);
    }
  });
}
