// ONNX export of spec models: the exporter, the graph's input/output contract, and ModelInput → feeds.
export { exportOnnx } from './export.js';
export { onnxFeeds } from './feeds.js';
export type { OnnxFeed } from './feeds.js';
export { onnxInputs, onnxOutput, OUTPUT_NAME, BATCH_DIM, BAG_LENGTH_DIM } from './signature.js';
export type { OnnxTensorInfo } from './signature.js';
export { OPSET, IR_VERSION } from './graph.js';
