// Picks the fastest compute backend the runtime supports (relaxed SIMD → SIMD → TypeScript) once, at load.
import type { Kernels, BackendName } from './types.js';
import { tsKernels } from './ts.js';
import { loadWasmKernels } from './wasm.js';

export type { Kernels, BackendName } from './types.js';
export { tsKernels } from './ts.js';

const forced = process.env.ANDON_BACKEND as BackendName | undefined;
const wasm = forced === 'ts' ? null : loadWasmKernels(forced === 'wasm-simd' ? 'simd' : 'best');
let active: Kernels = wasm ?? tsKernels;

/** Returns storage to the pool that made it (a no-op for plain arrays, which the garbage collector owns). */
export function releaseStorage(a: Float32Array): void {
  wasm?.free(a);
}

/** The backend every op uses. */
export function kernels(): Kernels {
  return active;
}

/** Switches the backend (tests compare backends; tensors created before keep working, more slowly). */
export function setKernels(k: Kernels): void {
  active = k;
}
