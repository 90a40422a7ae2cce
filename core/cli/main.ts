/**
 * `quotebench <command>`: the command-line face of core/. Every command returns an exit code:
 * 0 success, 1 runtime failure, 2 invalid usage or invalid input (nothing written), 130/143 stopped by
 * SIGINT/SIGTERM.
 *
 * This module owns what is common to all commands: `--help`/`-h` and `--version`/`-V`, checking the
 * command line against the command table (commands.ts) before the command's module is even loaded,
 * and turning every error a command throws into one line on stderr and an exit code (classifyError):
 * user errors exit 2, anything unexpected exits 1 (its stack only with QUOTEBENCH_DEBUG=1).
 * Commands are loaded lazily, so `backtest` never loads TensorFlow.js.
 */
import { readFileSync } from 'node:fs';
import { UsageError, parseWithPositionals } from './args';
import {
  COMMANDS,
  isCommandName,
  renderCommandHelp,
  renderUsage,
  type CommandName,
  type CommandSpec,
} from './commands';

export const USAGE = renderUsage();

type Command = (args: string[]) => Promise<number>;

const commands: Record<CommandName, () => Promise<Command>> = {
  backtest: async () => (await import('./backtest')).backtestCommand,
  quotes: async () => (await import('./quotes')).quotesCommand,
  train: async () => (await import('./train')).trainCommand,
  eval: async () => (await import('./eval')).evalCommand,
  bench: async () => (await import('./bench')).benchCommand,
  data: async () => (await import('./data')).dataCommand,
  fit: async () => (await import('./fit')).fitCommand,
  calibrate: async () => (await import('./calibrate')).calibrateCommand,
  validate: async () => (await import('./validate')).validateCommand,
  sweep: async () => (await import('./sweep')).sweepCommand,
  stress: async () => (await import('./sweep')).stressCommand,
  worker: async () => (await import('./worker')).workerCommand,
  serve: async () => (await import('./serve')).serveCommand,
  report: async () => (await import('./report')).reportCommand,
  mlflow: async () => (await import('./mlflow')).mlflowCommand,
  paper: async () => (await import('./paper')).paperCommand,
};

/** The version in package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Errors that are the user's to fix (exit 2), recognized by name so no heavy module is imported. */
const USER_ERROR_NAMES = new Set([
  'UsageError',
  'UserError',
  'ConfigError',
  'LimitError',
  'DataDirError',
  'PolicyLoadError',
  'CheckpointError',
  'TrainSetupError',
]);

/** Runs that failed on their own terms (exit 1): the message is for the user, no stack hint. */
const RUN_FAILURE_NAMES = new Set(['RunFailedError', 'NonFiniteError', 'MlflowError']);

/** File-system failures a user causes and can fix: a missing, unreadable or unwritable path. */
const USER_FS_CODES = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'EISDIR',
  'ENOTDIR',
  'EROFS',
  'ENOSPC',
  'EEXIST',
  'ENAMETOOLONG',
  'ELOOP',
]);

/**
 * The exit code and the stderr text of an error that reached main: one line per message line (a
 * ConfigError has one line per issue), never a stack unless `debug`.
 */
export function classifyError(command: string, e: unknown, debug = false): { code: number; text: string } {
  const prefix = `quotebench ${command}: `;
  if (!(e instanceof Error)) return { code: 1, text: `${prefix}internal error: ${String(e)}\n` };
  const sys = (e as NodeJS.ErrnoException).code;
  const user = USER_ERROR_NAMES.has(e.name) || (typeof sys === 'string' && USER_FS_CODES.has(sys));
  const expected = user || RUN_FAILURE_NAMES.has(e.name);
  const text = expected
    ? `${prefix}${e.message}\n`
    : `${prefix}internal error: ${e.message}${debug ? '' : ' (QUOTEBENCH_DEBUG=1 shows the stack)'}\n`;
  const stack = debug && e.stack ? `${e.stack}\n` : '';
  return { code: user ? 2 : 1, text: text + stack };
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && isCommandName(topic)) {
      process.stdout.write(renderCommandHelp(topic));
      return 0;
    }
    // Without a command it is a usage error: the usage goes to stderr, exit 2.
    (name === undefined ? process.stderr : process.stdout).write(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`quotebench ${version()}\n`);
    return 0;
  }
  if (!isCommandName(name)) {
    process.stderr.write(`quotebench: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const end = rest.indexOf('--');
  const flags = end === -1 ? rest : rest.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(renderCommandHelp(name));
    return 0;
  }
  try {
    // The table is the parser's contract: reject what no command option accepts before loading anything.
    const spec: CommandSpec = COMMANDS[name];
    const subs = spec.subcommands;
    if (subs !== undefined && (rest[0] === undefined || !subs.includes(rest[0])))
      throw new UsageError(
        `expected ${subs.join(' or ')} as the first argument, got ${rest[0] === undefined ? 'nothing' : `"${rest[0]}"`}`,
      );
    parseWithPositionals(subs !== undefined ? rest.slice(1) : rest, spec.options, spec.positionals === true);
    const command = await commands[name]();
    return await command(rest);
  } catch (e) {
    const { code, text } = classifyError(name, e, process.env.QUOTEBENCH_DEBUG === '1');
    process.stderr.write(text);
    return code;
  }
}
