/**
 * Yielding inside a burst of gradient updates (PPO's minibatches, SAC's burst): the base trainer
 * yields to the event loop every YIELD_MS (50 ms) of work, and a pause message is only seen when it
 * does; between updates the trainers yield more often, after UPDATE_YIELD_MS, so a pause or stop
 * arriving mid-update waits at most about that plus one update (then yieldAndCheck waits at the gate
 * and checks the signal). A yield costs microseconds; it changes nothing that is computed.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { RunContext } from './trainer';

export const UPDATE_YIELD_MS = 10;

/** Yield to the event loop when UPDATE_YIELD_MS have passed since the trainer last did. */
export async function yieldBetweenUpdates(ctx: RunContext): Promise<void> {
  if (performance.now() - ctx.lastYield < UPDATE_YIELD_MS) return;
  await yieldToLoop();
  ctx.lastYield = performance.now();
}
