// Compiles the AssemblyScript kernels (assembly/) twice into build/: with relaxed SIMD (fused multiply-add)
// and with plain SIMD only, for engines without relaxed SIMD. One source serves both through ASC_FEATURE_RELAXED_SIMD.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}build`;
mkdirSync(out, { recursive: true });

// The memory is imported and shared so worker threads can instantiate the same module over it; the stub
// runtime and --noAssert keep the module free of managed allocations and bounds asserts.
const common = [
  `${root}assembly/index.ts`,
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory',
  '2',
  '--maximumMemory',
  '32768',
  '--enable',
  'simd',
  '--enable',
  'threads',
];

const variants = [
  { file: 'kernels-relaxed.wasm', extra: ['--enable', 'relaxed-simd'] },
  { file: 'kernels-simd.wasm', extra: [] },
];

for (const { file, extra } of variants) {
  const { error, stderr } = await asc.main([...common, ...extra, '-o', `${out}/${file}`]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${file} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: build/${file}`);
}
