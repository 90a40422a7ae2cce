/**
 * Messages between the service thread and the config parse worker (parse-worker.ts). Everything is
 * plain data (structured clone): a request names its schema (schemas.ts) instead of carrying it, and
 * the reply is the checked config or the located issues.
 */
import type { ParseIssue, ParseLimits } from '../config/parse-yaml';
import type { ConfigSchemaName } from './schemas';

/** YAML text to parse and check, or data (a config object from JSON) to check only. */
export type ParseRequest =
  | { id: number; schema: ConfigSchemaName; text: string; limits: ParseLimits }
  | { id: number; schema: ConfigSchemaName; data: unknown };

export type ParseReply =
  { id: number; ok: true; data: unknown } | { id: number; ok: false; issues: ParseIssue[] };
