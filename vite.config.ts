import path from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

const ROOT = import.meta.dirname

/**
 * The client is built from client/ into dist/client. Tests run as projects: pure unit tests, the
 * HTTP API against SQLite and against PostgreSQL (same files, two databases), and e2e in Chromium.
 */
export default defineConfig({
  root: path.join(ROOT, 'client'),
  plugins: [vue()],
  resolve: { alias: { '@schema': path.join(ROOT, 'schema'), '@': path.join(ROOT, 'client/src') } },
  build: {
    outDir: path.join(ROOT, 'dist/client'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    port: 5173,
    proxy: { '/api': `http://localhost:${process.env.PORT ?? 3000}` },
  },
  test: {
    projects: [
      { test: { name: 'unit', root: ROOT, include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'api-sqlite',
          root: ROOT,
          include: ['test/api/**/*.test.ts'],
          env: { ZG_TEST_DB: 'sqlite' },
          // a safety net for two files running side by side on a small machine, not a timing target
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'api-postgres',
          root: ROOT,
          include: ['test/api/**/*.test.ts'],
          env: { ZG_TEST_DB: 'postgres' },
          // a safety net for two files running side by side on a small machine, not a timing target
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          root: ROOT,
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
