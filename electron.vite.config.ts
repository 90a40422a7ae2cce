// electron-vite build for the three Electron layers, each with an explicit entry, all under out/.
//   main      main/index.ts        → out/main/index.js      ES module (package.json "type": "module")
//   preload   preload/index.ts     → out/preload/index.cjs  CommonJS: a sandboxed preload cannot be ESM
//   renderer  renderer/index.html  → out/renderer/          React via Vite's built-in oxc JSX transform
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './main/security-policy';

const root = import.meta.dirname;

/** Injects the renderer CSP as the first <meta> in index.html: strict in builds, dev-server aware in dev. */
function cspMetaTag(): Plugin {
  let mode: 'production' | 'development' = 'production';
  return {
    name: 'quotebench:csp-meta',
    configResolved(config) {
      mode = config.command === 'serve' ? 'development' : 'production';
    },
    transformIndexHtml() {
      return [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy(mode) },
          injectTo: 'head-prepend',
        },
      ];
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // The package.json dependencies stay external (electron-vite's default); core/data/catalog.ts also
      // imports DuckDB's native bindings package, a dependency of @duckdb/node-api, which must not be
      // bundled either (it loads a platform-specific .node file).
      externalizeDeps: { include: ['@duckdb/node-bindings'] },
      rolldownOptions: {
        input: { index: resolve(root, 'main/index.ts') },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rolldownOptions: {
        input: { index: resolve(root, 'preload/index.ts') },
        // Sandboxed preloads run as plain scripts with a limited require(): one self-contained CJS
        // file. The .cjs extension keeps it CommonJS even if sandboxing is ever turned off, since the
        // package is "type": "module".
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    // No @vitejs/plugin-react: Vite's own oxc transform compiles JSX with React's automatic runtime
    // (react/jsx-runtime), matching "jsx": "react-jsx" in tsconfig.web.json. Vite 8 already defaults
    // to it; stated here so a default change cannot silently switch to React.createElement.
    // Without the plugin there is no Fast Refresh: edits in dev reload the page.
    oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
    plugins: [cspMetaTag()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      minify: 'oxc',
      rolldownOptions: {
        input: { index: resolve(root, 'renderer/index.html') },
      },
    },
  },
});
