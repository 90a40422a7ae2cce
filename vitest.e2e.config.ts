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
  },
});
