import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Some suites spawn, kill and restart server processes: a loaded CI machine needs room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
