// Softmax of a classifier's logits, row by row, in float64 for stable probabilities.

export function probabilities(logits: ArrayLike<number>, classes: number): Float32Array {
  const rows = logits.length / classes;
  const out = new Float32Array(logits.length);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[r * classes + c] - max);
    for (let c = 0; c < classes; c++) out[r * classes + c] = Math.exp(logits[r * classes + c] - max) / sum;
  }
  return out;
}
