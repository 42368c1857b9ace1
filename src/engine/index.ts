// The numeric engine's public surface: tensors, autograd, ops, layers, losses, optimizers, RNG, safetensors.
export { Tensor, tensor, empty, zeros, ones, full, parameter, noGrad, scope, isGradEnabled, record, makeRowSparse, sparseToDense } from './tensor.js';
export type { RowSparseGrad, BackwardRule } from './tensor.js';
export { EngineError } from './assert.js';
export { Rng } from './rng.js';
export { kernels, setKernels, tsKernels } from './kernels/index.js';
export type { Kernels, BackendName } from './kernels/index.js';

export { add, sub, mul, div, neg, mulScalar, addScalar, powScalar, exp, log, sqrt, abs, square, clamp, unary } from './ops/elementwise.js';
export { relu, leakyRelu, gelu, tanh, sigmoid, softmax, logSoftmax } from './ops/activation.js';
export { matmul, linear } from './ops/matmul.js';
export type { MatmulOptions } from './ops/matmul.js';
export { sum, mean, max, argmaxRows } from './ops/reduce.js';
export { reshape, transpose, slice, concat, gather } from './ops/shape.js';
export { conv1d, im2col, maxPool1d, avgPool1d } from './ops/conv.js';
export type { Conv1dOptions } from './ops/conv.js';

export { Module } from './nn/module.js';
export type { Layer } from './nn/module.js';
export { Linear, Dropout, ReLU, LeakyReLU, GELU, Tanh, Sigmoid, Softmax, Sequential } from './nn/basic.js';
export { Embedding, EmbeddingBag } from './nn/embedding.js';
export * as init from './nn/init.js';

export { mseLoss, maeLoss, huberLoss, bceWithLogitsLoss, crossEntropyLoss } from './losses.js';
export type { CrossEntropyOptions } from './losses.js';

export { Optimizer } from './optim/optimizer.js';
export { SGD, GradientDescent } from './optim/sgd.js';
export { Adam, AdamW } from './optim/adam.js';
export { LRScheduler, constant, stepDecay, cosine, linearWarmup, clipGradNorm } from './optim/schedule.js';
export type { Schedule } from './optim/schedule.js';

export { encodeSafetensors, decodeSafetensors } from './safetensors.js';

export { LayerNorm, BatchNorm1d } from './nn/norm.js';
export type { LayerNormOptions, BatchNormOptions } from './nn/norm.js';
export { Conv1d, MaxPool1d, AvgPool1d, GlobalAvgPool1d, Flatten } from './nn/conv.js';
export type { Conv1dLayerOptions } from './nn/conv.js';
export { GRU, LSTM } from './nn/recurrent.js';
export type { RecurrentOptions } from './nn/recurrent.js';
export { MultiHeadSelfAttention, TransformerEncoderLayer } from './nn/attention.js';
export type { MultiHeadSelfAttentionOptions, TransformerEncoderLayerOptions } from './nn/attention.js';
