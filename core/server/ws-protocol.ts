/**
 * The WebSocket framing of the API contract (the Electron shell carries the same calls over IPC).
 * Client → server: {kind:'call', id, method, input} | {kind:'sub'|'unsub', topics}.
 * Server → client: {kind:'result', id, ok, output | error} | {kind:'event', topic, payload} |
 * {kind:'error', error} (for a message that could not be tied to a call id).
 */
import { z } from 'zod';
import type { ApiError } from '../api/contract';

export const MAX_MESSAGE_BYTES = 1_000_000;

export const clientMessageSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('call'),
    id: z.union([z.number().int().nonnegative(), z.string().max(64)]),
    method: z.string().max(100),
    input: z.unknown().optional(),
  }),
  z.strictObject({ kind: z.literal('sub'), topics: z.array(z.string().max(100)).max(50) }),
  z.strictObject({ kind: z.literal('unsub'), topics: z.array(z.string().max(100)).max(50) }),
]);

export type ClientMessage = z.output<typeof clientMessageSchema>;

export type ServerMessage =
  | { kind: 'result'; id: number | string; ok: true; output: unknown }
  | { kind: 'result'; id: number | string; ok: false; error: ApiError }
  | { kind: 'event'; topic: string; payload: unknown }
  | { kind: 'error'; error: ApiError };
