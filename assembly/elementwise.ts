// Element-wise kernels (arithmetic, bias add, axpy, scale, fill, ReLU): four lanes at a time, then a scalar tail.
// Pointers are byte offsets into linear memory; counts are in float32 elements. Outputs may alias inputs
// exactly (each lane is loaded before it is stored), as the kernel contract allows.

export function add(a: usize, b: usize, out: usize, n: i32): void {
  const end = a + (<usize>n << 2);
  const vend = a + (<usize>(n & ~3) << 2);
  while (a < vend) {
    v128.store(out, f32x4.add(v128.load(a), v128.load(b)));
    a += 16; b += 16; out += 16;
  }
  while (a < end) {
    store<f32>(out, load<f32>(a) + load<f32>(b));
    a += 4; b += 4; out += 4;
  }
}

export function sub(a: usize, b: usize, out: usize, n: i32): void {
  const end = a + (<usize>n << 2);
  const vend = a + (<usize>(n & ~3) << 2);
  while (a < vend) {
    v128.store(out, f32x4.sub(v128.load(a), v128.load(b)));
    a += 16; b += 16; out += 16;
  }
  while (a < end) {
    store<f32>(out, load<f32>(a) - load<f32>(b));
    a += 4; b += 4; out += 4;
  }
}

export function mul(a: usize, b: usize, out: usize, n: i32): void {
  const end = a + (<usize>n << 2);
  const vend = a + (<usize>(n & ~3) << 2);
  while (a < vend) {
    v128.store(out, f32x4.mul(v128.load(a), v128.load(b)));
    a += 16; b += 16; out += 16;
  }
  while (a < end) {
    store<f32>(out, load<f32>(a) * load<f32>(b));
    a += 4; b += 4; out += 4;
  }
}

export function div(a: usize, b: usize, out: usize, n: i32): void {
  const end = a + (<usize>n << 2);
  const vend = a + (<usize>(n & ~3) << 2);
  while (a < vend) {
    v128.store(out, f32x4.div(v128.load(a), v128.load(b)));
    a += 16; b += 16; out += 16;
  }
  while (a < end) {
    store<f32>(out, load<f32>(a) / load<f32>(b));
    a += 4; b += 4; out += 4;
  }
}

/** out[r,c] = a[r,c] + row[c]. */
export function addRow(a: usize, row: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    add(a, row, out, cols);
    a += rowBytes; out += rowBytes;
  }
}

/** y[i] += alpha·x[i]. Multiply then add (not fused) so both builds round like the reference. */
export function axpy(alpha: f32, x: usize, y: usize, n: i32): void {
  const av = f32x4.splat(alpha);
  const end = x + (<usize>n << 2);
  const vend = x + (<usize>(n & ~3) << 2);
  while (x < vend) {
    v128.store(y, f32x4.add(v128.load(y), f32x4.mul(av, v128.load(x))));
    x += 16; y += 16;
  }
  while (x < end) {
    store<f32>(y, load<f32>(y) + alpha * load<f32>(x));
    x += 4; y += 4;
  }
}

export function scale(a: usize, s: f32, out: usize, n: i32): void {
  const sv = f32x4.splat(s);
  const end = a + (<usize>n << 2);
  const vend = a + (<usize>(n & ~3) << 2);
  while (a < vend) {
    v128.store(out, f32x4.mul(v128.load(a), sv));
    a += 16; out += 16;
  }
  while (a < end) {
    store<f32>(out, load<f32>(a) * s);
    a += 4; out += 4;
  }
}

export function fill(a: usize, value: f32, n: i32): void {
  const v = f32x4.splat(value);
  const end = a + (<usize>n << 2);
  const vend = a + (<usize>(n & ~3) << 2);
  while (a < vend) { v128.store(a, v); a += 16; }
  while (a < end) { store<f32>(a, value); a += 4; }
}

/** out[i] = max(a[i], 0). A compare-and-mask rather than f32x4.max so NaN maps to 0 exactly as `a > 0 ? a : 0` does. */
export function relu(a: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const end = a + (<usize>n << 2);
  const vend = a + (<usize>(n & ~3) << 2);
  while (a < vend) {
    const x = v128.load(a);
    v128.store(out, v128.and(x, f32x4.gt(x, zero)));
    a += 16; out += 16;
  }
  while (a < end) {
    const x = load<f32>(a);
    store<f32>(out, x > 0 ? x : 0);
    a += 4; out += 4;
  }
}

/** out[i] = y[i] > 0 ? g[i] : 0. */
export function reluBackward(y: usize, g: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const end = y + (<usize>n << 2);
  const vend = y + (<usize>(n & ~3) << 2);
  while (y < vend) {
    v128.store(out, v128.and(v128.load(g), f32x4.gt(v128.load(y), zero)));
    y += 16; g += 16; out += 16;
  }
  while (y < end) {
    store<f32>(out, load<f32>(y) > 0 ? load<f32>(g) : 0);
    y += 4; g += 4; out += 4;
  }
}
