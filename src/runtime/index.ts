// Serving a model version: load and verify a bundle, validate requests, predict (ONNX Runtime or the engine), micro-batch.
export { loadModel, readyModel } from './model.js';
export { toPredictions } from '../ml/predictor.js';
export type { LoadedModel, LoadOptions, EngineChoice } from './model.js';
export { validateRows, inputColumns, DEFAULT_MAX_ROWS } from './validate.js';
export type { InputColumn, ColumnKind } from './validate.js';
export { createBatcher } from './batcher.js';
export type { Batcher, BatcherOptions, BatchInfo } from './batcher.js';
