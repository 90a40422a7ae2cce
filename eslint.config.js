// ESLint flat config. The architecture rule lives here, not in review:
// core/ computes and must run in plain Node, so it never imports electron, react or mobx.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const forbiddenInCore = ['electron', 'react', 'react-dom', 'mobx', 'mobx-react-lite'];

// The layers of core/, lowest first. A folder may import folders of strictly lower rank only (no
// sibling cycles either); `core/cli` is the top and may import anything.
const CORE_LAYERS = [
  ['domain', 'rng', 'time', 'math', 'text', 'threads', 'secrets'],
  ['book', 'strategy', 'stress'],
  ['sim', 'data'],
  ['metrics', 'replay'],
  ['calibration', 'config', 'venues'],
  ['backtest'],
  ['rl'],
  ['config-worker', 'api'],
  ['store', 'jobs'],
  ['report', 'paper'],
  ['sweep', 'tracking'],
  ['services'],
  ['server'],
  ['cli'],
];

function coreLayerConfigs() {
  // A new folder must be given a rank, or it would escape the rule.
  const root = fileURLToPath(new URL('./core', import.meta.url));
  const unranked = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !CORE_LAYERS.flat().includes(d.name))
    .map((d) => d.name);
  if (unranked.length > 0)
    throw new Error(`eslint config: core folders without a layer: ${unranked.join(', ')}`);
  const uiPaths = forbiddenInCore.map((name) => ({
    name,
    message: 'core/ is plain Node: it must not import UI or Electron packages (see docs/architecture.md).',
  }));
  const uiPatterns = [
    { group: ['electron/*', 'react/*', 'mobx/*'], message: 'core/ must not import UI or Electron packages.' },
    {
      group: ['**/main/**', '**/renderer/**', '**/preload/**'],
      message: 'core/ must not import app layers.',
    },
  ];
  const all = CORE_LAYERS.flat();
  const configs = [
    {
      files: ['core/**/*.ts'],
      rules: { 'no-restricted-imports': ['error', { paths: uiPaths, patterns: uiPatterns }] },
    },
  ];
  CORE_LAYERS.forEach((layer, rank) => {
    const lower = new Set(CORE_LAYERS.slice(0, rank).flat());
    for (const folder of layer) {
      const banned = all.filter((f) => f !== folder && !lower.has(f));
      if (banned.length === 0) continue;
      configs.push({
        files: [`core/${folder}/**/*.ts`],
        ignores: ['**/*.test.ts', '**/*.fixture.ts', '**/bench.ts', '**/*-bench.ts'],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              paths: uiPaths,
              patterns: [
                ...uiPatterns,
                {
                  group: banned.flatMap((f) => [`../${f}/*`, `../../${f}/*`, `../../../${f}/*`]),
                  message: `core/${folder} (layer ${rank}) may import only lower layers: ${[...lower].join(', ') || 'none'} (docs/architecture.md "Layers inside core").`,
                },
              ],
            },
          ],
        },
      });
    }
  });
  return configs;
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'coverage/**', 'e2e/output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'Use the seeded Rng from core/rng: simulations must be deterministic.',
        },
      ],
    },
  },
  // core/ layering: a folder may import only folders of a lower rank (docs/architecture.md "Layers
  // inside core"). Tests, fixtures and benchmarks may reach across (they assemble whole systems).
  ...coreLayerConfigs(),
  // The renderer: React hooks rules (including the React Compiler checks of the recommended set).
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
);
