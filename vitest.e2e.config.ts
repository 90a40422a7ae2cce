import { defineConfig } from 'vitest/config';

// End-to-end specs: the built web shell in Debian's Chromium (playwright-core), and the Electron app
// where its binary exists. Sequential: they start servers and browsers on a 2-core machine.
export default defineConfig({
  test: {
    include: ['e2e/**/*.spec.ts'],
    environment: 'node',
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
    // expect.poll waits for what a person would wait for; its 1 s default measures the machine's
    // load (a final training curve or a stopped job can take longer on a busy 2-core box), so the
    // default is generous. A spec that needs a shorter bound says so.
    expect: { poll: { timeout: 30_000, interval: 50 } },
  },
});
