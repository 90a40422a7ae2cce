/**
 * The config schemas the parse worker can check, by name: zod schemas cannot cross a thread boundary,
 * so a request names its schema and the worker imports them all from here. Imported by the worker
 * (and for types only by load-config.ts, which the schemas' modules themselves import).
 */
import type { z } from 'zod';
import { trainConfigSchema } from '../rl/train/config';
import { backtestConfigSchema } from '../backtest/config';

export const CONFIG_SCHEMAS = {
  backtest: backtestConfigSchema,
  train: trainConfigSchema,
} as const;

export type ConfigSchemaName = keyof typeof CONFIG_SCHEMAS;

export type ConfigOf<N extends ConfigSchemaName> = z.output<(typeof CONFIG_SCHEMAS)[N]>;
