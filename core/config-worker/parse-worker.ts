/**
 * Worker-thread entry that parses and schema-checks config YAML off the service thread (see
 * parse-pool.ts). Stateless: each request carries its text and names its schema. It never throws:
 * parseYaml and validateParsed turn every failure into issues, and anything else is reported as one.
 */
import { parentPort } from 'node:worker_threads';
import type { ParseReply, ParseRequest } from './parse-protocol';
import { parseYaml } from '../config/parse-yaml';
import { CONFIG_SCHEMAS } from './schemas';
import { validateData, validateParsed } from '../config/validate';

function handle(req: ParseRequest): ParseReply {
  if ('data' in req) {
    const v = validateData(req.data, CONFIG_SCHEMAS[req.schema]);
    return v.ok ? { id: req.id, ok: true, data: v.data } : { id: req.id, ok: false, issues: v.issues };
  }
  const r = parseYaml(req.text, req.limits);
  if (!r.ok) return { id: req.id, ok: false, issues: r.issues };
  const v = validateParsed(r.parsed, CONFIG_SCHEMAS[req.schema]);
  return v.ok ? { id: req.id, ok: true, data: v.data } : { id: req.id, ok: false, issues: v.issues };
}

const fail = (id: number, e: unknown): ParseReply => ({
  id,
  ok: false,
  issues: [{ path: '', message: `cannot parse the document: ${e instanceof Error ? e.message : String(e)}` }],
});

const port = parentPort;
if (port) {
  port.on('message', (req: ParseRequest) => {
    let reply: ParseReply;
    try {
      reply = handle(req);
    } catch (e) {
      reply = fail(req.id, e);
    }
    try {
      port.postMessage(reply);
    } catch (e) {
      // The data could not be cloned (should not happen for YAML's JSON-like output).
      port.postMessage(fail(req.id, e));
    }
  });
}
