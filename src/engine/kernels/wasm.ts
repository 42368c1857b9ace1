// WebAssembly SIMD kernels (being written): returns null until the build exists, so the TypeScript kernels run.
import type { Kernels } from './types.js';
export function loadWasmKernels(_mode: 'best' | 'simd'): Kernels | null { return null; }
