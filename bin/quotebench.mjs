#!/usr/bin/env node
// The `quotebench` command. It runs the TypeScript sources directly through tsx's loader, so what runs
// is always the checked-out code (no stale build step between `git pull` and a backtest).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../core/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
