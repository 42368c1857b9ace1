// The layer table of DESIGN.md as rules: a folder of src/ imports only the folders listed above it (and src/errors.ts).
// `npm run lint:layers` fails on any import that points upward. Tests may reach up (a server test starts the CLI's server).
const LAYERS = ['engine', 'data', 'ml', 'runtime', 'store', 'security', 'service', 'server', 'cli'];
const TESTS = '(\\.test\\.ts$|/test-support\\.ts$|/test-helpers\\.ts$|/testing\\.ts$|/testing/)';

module.exports = {
  forbidden: [
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `${layer}-imports-upward`,
      comment: `src/${layer} may import only ${LAYERS.slice(0, i).join(', ') || 'nothing else in src/'} (DESIGN.md, Layers)`,
      severity: 'error',
      from: { path: `^src/${layer}/`, pathNot: TESTS },
      to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
    })),
    {
      name: 'web-imports-src',
      comment: 'the dashboard talks to /api/v1 only: nothing of src/ at run time',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '(^|/)(dist|build|node_modules)/' },
  },
};
