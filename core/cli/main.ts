/**
 * `quotebench <command>`: the command-line face of core/. Every command returns an exit code:
 * 0 success, 1 runtime failure, 2 invalid usage or invalid input (nothing written).
 */
export const USAGE = `quotebench — market-making research workstation (CLI)

Usage: quotebench <command> [options]

Commands:
  backtest --config FILE [--json OUT] [--seed N] [--paths N] [--quiet]
      Run every strategy in a YAML config over the scenario's paths; print the results table.
  quotes --model glft|as --method exact|asymptotic --sigma S --A A --k K --gamma G --T T --Q Q [--t T0] [--json]
      Optimal bid/ask distances from the mid for each inventory q in [-Q, Q].
  train --config FILE [--run-dir DIR] [--resume] [--data-dir DIR] [--steps N] [--quiet]
      Train an RL agent (SAC or PPO, see resources/configs/sac-default.yaml); checkpoints in the run dir.
  eval --checkpoint DIR [--episodes N] [--json OUT] [--quiet]
      Evaluate a trained agent against AS, GLFT and fixed spread on held-out seeds (95% CIs, paired tests).
  bench [--json OUT] [--only book,lobster,sim,vectorEnv,as2008,sac,ppo,rollout,ui]
      Run the performance benchmarks and print JSON.
  serve [--port N] [--host H] [--data-dir DIR]
      The web shell: serves the app and its API on http://127.0.0.1:5317 with an access token.
  help
      Show this message.
`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  backtest: async () => (await import('./backtest')).backtestCommand,
  quotes: async () => (await import('./quotes')).quotesCommand,
  train: async () => (await import('./train')).trainCommand,
  eval: async () => (await import('./eval')).evalCommand,
  bench: async () => (await import('./bench')).benchCommand,
  serve: async () => (await import('./serve')).serveCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`quotebench: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const command = await load();
  return command(rest);
}
