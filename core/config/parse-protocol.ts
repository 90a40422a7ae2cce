/**
 * Messages between the service thread and the config parse worker (parse-worker.ts). Everything is
 * plain data (structured clone): the zod schemas stay on the service thread, the worker only turns
 * YAML text into data (`parse`) and key paths into positions (`locate`, after a schema failure).
 */
import type { KeyPath, ParseIssue, ParseLimits, Position } from './parse-yaml';

export type ParseRequest =
  | { id: number; op: 'parse'; text: string; limits: ParseLimits }
  | {
      id: number;
      op: 'locate';
      text: string;
      limits: ParseLimits;
      targets: { path: KeyPath; key: boolean }[];
    };

export type ParseReply =
  | { id: number; ok: true; data: unknown }
  | { id: number; ok: true; positions: Position[] }
  | { id: number; ok: false; issues: ParseIssue[] };
