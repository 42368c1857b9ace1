// Optimizer updates (SGD with momentum, Adam/AdamW) in PyTorch semantics, four parameters at a time.
// Hyper-parameters arrive as float64 and are rounded to float32 once, outside the loops.

export function sgdStep(p: usize, grad: usize, vel: usize, n: i32, lr: f32, momentum: f32, weightDecay: f32,
  nesterov: bool): void {
  const lrv = f32x4.splat(lr), wdv = f32x4.splat(weightDecay), muv = f32x4.splat(momentum);
  const vend = p + (<usize>(n & ~3) << 2);
  const end = p + (<usize>n << 2);
  if (momentum == 0) {
    // Plain SGD: the velocity buffer is neither read nor written.
    for (; p < vend; p += 16, grad += 16) {
      const pv = v128.load(p);
      const g = f32x4.add(v128.load(grad), f32x4.mul(wdv, pv));
      v128.store(p, f32x4.sub(pv, f32x4.mul(lrv, g)));
    }
    for (; p < end; p += 4, grad += 4) {
      const pv = load<f32>(p);
      store<f32>(p, pv - lr * (load<f32>(grad) + weightDecay * pv));
    }
    return;
  }
  for (; p < vend; p += 16, grad += 16, vel += 16) {
    const pv = v128.load(p);
    const g = f32x4.add(v128.load(grad), f32x4.mul(wdv, pv));
    const v = f32x4.add(f32x4.mul(muv, v128.load(vel)), g);
    v128.store(vel, v);
    const step = nesterov ? f32x4.add(g, f32x4.mul(muv, v)) : v;
    v128.store(p, f32x4.sub(pv, f32x4.mul(lrv, step)));
  }
  for (; p < end; p += 4, grad += 4, vel += 4) {
    const pv = load<f32>(p);
    const g = load<f32>(grad) + weightDecay * pv;
    const v = momentum * load<f32>(vel) + g;
    store<f32>(vel, v);
    store<f32>(p, pv - lr * (nesterov ? g + momentum * v : v));
  }
}

export function adamStep(p: usize, grad: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64,
  eps: f64, weightDecay: f64, decoupled: bool, bc1: f64, bc2: f64): void {
  // Derived constants in float64 first, as the reference computes them.
  const stepSize = <f32>(lr / bc1);
  const sqrtBc2 = <f32>Math.sqrt(bc2);
  const decay = <f32>(decoupled ? lr * weightDecay : weightDecay);
  const b1 = <f32>beta1, b2 = <f32>beta2, c1 = <f32>(1 - beta1), c2 = <f32>(1 - beta2), e = <f32>eps;
  const ssv = f32x4.splat(stepSize), sbv = f32x4.splat(sqrtBc2), dv = f32x4.splat(decay);
  const b1v = f32x4.splat(b1), b2v = f32x4.splat(b2), c1v = f32x4.splat(c1), c2v = f32x4.splat(c2), ev = f32x4.splat(e);
  const vend = p + (<usize>(n & ~3) << 2);
  const end = p + (<usize>n << 2);
  for (; p < vend; p += 16, grad += 16, m += 16, v += 16) {
    let pv = v128.load(p);
    let g = v128.load(grad);
    if (decoupled) pv = f32x4.sub(pv, f32x4.mul(dv, pv));
    else g = f32x4.add(g, f32x4.mul(dv, pv));
    const mi = f32x4.add(f32x4.mul(b1v, v128.load(m)), f32x4.mul(c1v, g));
    const vi = f32x4.add(f32x4.mul(b2v, v128.load(v)), f32x4.mul(f32x4.mul(c2v, g), g));
    v128.store(m, mi);
    v128.store(v, vi);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), sbv), ev);
    v128.store(p, f32x4.sub(pv, f32x4.div(f32x4.mul(ssv, mi), denom)));
  }
  for (; p < end; p += 4, grad += 4, m += 4, v += 4) {
    let pv = load<f32>(p);
    let g = load<f32>(grad);
    if (decoupled) pv -= decay * pv;
    else g += decay * pv;
    const mi = b1 * load<f32>(m) + c1 * g;
    const vi = b2 * load<f32>(v) + c2 * g * g;
    store<f32>(m, mi);
    store<f32>(v, vi);
    store<f32>(p, pv - stepSize * mi / (Mathf.sqrt(vi) / sqrtBc2 + e));
  }
}
