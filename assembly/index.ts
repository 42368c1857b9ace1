// Entry point of the WebAssembly kernels module: everything the TypeScript wrapper (src/engine/kernels/wasm.ts) calls.
export { gemm, gemmScratchBytes, gemmTileRows, gemmTileCols } from './matmul';
export { add, sub, mul, div, addRow, axpy, scale, fill, relu, reluBackward } from './elementwise';
export { sum, sumSquares, sumRows } from './reduce';
export { softmaxRows } from './softmax';
export { sgdStep, adamStep } from './optim';
