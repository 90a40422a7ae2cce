/**
 * Messages between the service thread and the config parse worker (parse-worker.ts). Everything is
 * plain data (structured clone): a request names its schema (schemas.ts) instead of carrying it, and
 * the reply is the checked config or the located issues.
 */
import type { ParseIssue, ParseLimits } from './parse-yaml';
import type { ConfigSchemaName } from './schemas';

export interface ParseRequest {
  id: number;
  text: string;
  limits: ParseLimits;
  schema: ConfigSchemaName;
}

export type ParseReply =
  { id: number; ok: true; data: unknown } | { id: number; ok: false; issues: ParseIssue[] };
