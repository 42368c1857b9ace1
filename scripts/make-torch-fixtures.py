#!/usr/bin/python3
"""Reference values from PyTorch for the engine's parity tests.

Rerun (from the repository root) after changing a case:

    /usr/bin/python3 scripts/make-torch-fixtures.py

It needs PyTorch (Debian's python3-torch, 1.13, lives at /usr/bin/python3; the pyenv `python3` on PATH has no
torch). The output, src/engine/fixtures/{ops,losses,layers,optim}.json, is committed: the TypeScript tests
(src/engine/parity/*.test.ts; `npm test -- parity`) read only the JSON, so neither the product nor CI ever
needs Python. To add a case, add it here, rerun, and give its op/layer a line in the matching test's table
(each test fails on a fixture case it has no engine counterpart for).

Every group of cases is seeded (torch.manual_seed; one CPU thread; each R from its own generator keyed by
the case name) so a rerun writes byte-identical files.
Floats are written with 9 significant digits, which round-trips every float32 exactly: the inputs the
engine reads are bit-for-bit the ones torch used.

Gradients: each forward output `out` is reduced to the scalar (out * R).sum() with a fixed random R (stored as
"r"), and "grads" holds its gradient with respect to every input and parameter.
"""
import json
import math
import os
import warnings
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'src', 'engine', 'fixtures')

torch.set_num_threads(1)
# SequentialLR steps its children with an epoch argument, which torch 1.13 warns about; the values are right.
warnings.filterwarnings('ignore', message='The epoch parameter')
torch.set_default_dtype(torch.float32)


# ---------------------------------------------------------------- serialisation

def num(v):
    v = float(v)
    assert math.isfinite(v), f'non-finite value {v}'
    r = float(f'{v:.9g}')
    return 0.0 if r == 0 else r  # no -0.0, so the text does not depend on the sign of a zero


def ser(t):
    """A tensor as {shape, data}: floats to 9 significant digits, integer tensors as ints."""
    t = t.detach()
    if t.dtype in (torch.int32, torch.int64):
        return {'shape': list(t.shape), 'data': [int(v) for v in t.reshape(-1).tolist()]}
    return {'shape': list(t.shape), 'data': [num(v) for v in t.reshape(-1).tolist()]}


def dump(name, doc):
    """One case per line, so a regenerated file diffs case by case."""
    path = os.path.join(OUT_DIR, name)
    lines = ['{']
    keys = list(doc.keys())
    for ki, key in enumerate(keys):
        value = doc[key]
        if isinstance(value, list):
            lines.append(f' {json.dumps(key)}: [')
            for i, item in enumerate(value):
                sep = ',' if i + 1 < len(value) else ''
                lines.append('  ' + json.dumps(item, separators=(',', ':'), sort_keys=True) + sep)
            lines.append(' ]' + (',' if ki + 1 < len(keys) else ''))
        else:
            lines.append(f' {json.dumps(key)}: {json.dumps(value, sort_keys=True)}' + (',' if ki + 1 < len(keys) else ''))
    lines.append('}')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'{path}: {os.path.getsize(path)} bytes, {sum(len(v) for v in doc.values() if isinstance(v, list))} cases')


def randn(*shape):
    return torch.randn(*shape)


def uniform(lo, hi, *shape):
    return torch.rand(*shape) * (hi - lo) + lo


# ---------------------------------------------------------------- ops

def projection(name, shape):
    """The fixed random R of a case, from its own generator so it never disturbs the inputs' stream."""
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    return torch.randn(shape, generator=g)


def grad_case(name, op, fn, inputs, args=None, ints=None, targets=None):
    """inputs: float tensors, all differentiated; ints: integer tensors (indices); targets: float data, not
    differentiated. All are passed to fn by name."""
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in inputs.items()}
    out = fn(**leaves, **(ints or {}), **(targets or {}))
    r = projection(name, out.shape)
    (out * r).sum().backward()
    case = {
        'name': name, 'op': op, 'args': args or {},
        'inputs': {k: ser(v) for k, v in inputs.items()},
        'out': ser(out), 'r': ser(r),
        'grads': {k: ser(v.grad if v.grad is not None else torch.zeros_like(v)) for k, v in leaves.items()},
    }
    if ints:
        case['ints'] = {k: ser(v) for k, v in ints.items()}
    if targets:
        case['targets'] = {k: ser(v) for k, v in targets.items()}
    return case


def make_ops():
    cases = []

    def add(name, op, fn, inputs, **kw):
        cases.append(grad_case(name, op, fn, inputs, **kw))

    torch.manual_seed(1)
    # Exact zeros check the convention at the kink: relu'(0) = 0, leaky_relu'(0) = slope, as torch.
    x = torch.cat([uniform(-3, 3, 13), torch.tensor([0.0, -0.0])]).reshape(3, 5)
    add('relu', 'relu', lambda x: F.relu(x), {'x': x})
    add('leaky_relu', 'leaky_relu', lambda x: F.leaky_relu(x, 0.01), {'x': x}, args={'slope': 0.01})
    add('leaky_relu_0.2', 'leaky_relu', lambda x: F.leaky_relu(x, 0.2), {'x': x}, args={'slope': 0.2})

    torch.manual_seed(2)
    wide = torch.cat([uniform(-6, 6, 20), torch.tensor([-30.0, -12.0, -0.5, 0.0, 0.5, 12.0, 30.0, 100.0])]).reshape(4, 7)
    add('gelu', 'gelu', lambda x: F.gelu(x), {'x': wide})
    add('tanh', 'tanh', lambda x: torch.tanh(x), {'x': wide})
    add('sigmoid', 'sigmoid', lambda x: torch.sigmoid(x), {'x': wide})

    torch.manual_seed(3)
    logits = randn(4, 6) * 3
    logits[1] = torch.tensor([100.0, -100.0, 99.0, 0.0, -50.0, 100.0])  # would overflow a naive exp
    logits[2] = torch.tensor([-100.0, -100.0, -99.5, -100.0, -101.0, -100.0])
    add('softmax', 'softmax', lambda x: F.softmax(x, dim=-1), {'x': logits})
    add('log_softmax', 'log_softmax', lambda x: F.log_softmax(x, dim=-1), {'x': logits})
    logits3 = randn(2, 3, 5) * 2
    add('softmax_3d', 'softmax', lambda x: F.softmax(x, dim=-1), {'x': logits3})
    add('log_softmax_3d', 'log_softmax', lambda x: F.log_softmax(x, dim=-1), {'x': logits3})

    torch.manual_seed(4)
    add('matmul_2d', 'matmul', lambda a, b: a @ b, {'a': randn(3, 4), 'b': randn(4, 5)})
    add('matmul_3d', 'matmul', lambda a, b: a @ b, {'a': randn(2, 3, 4), 'b': randn(2, 4, 5)})
    add('matmul_3d_shared_b', 'matmul', lambda a, b: a @ b, {'a': randn(2, 3, 4), 'b': randn(4, 5)})
    add('matmul_2d_transA', 'matmul', lambda a, b: a.transpose(-1, -2) @ b, {'a': randn(4, 3), 'b': randn(4, 5)},
        args={'transA': True})
    add('matmul_3d_transB', 'matmul', lambda a, b: a @ b.transpose(-1, -2), {'a': randn(2, 3, 4), 'b': randn(2, 5, 4)},
        args={'transB': True})
    add('matmul_3d_transAB', 'matmul', lambda a, b: a.transpose(-1, -2) @ b.transpose(-1, -2),
        {'a': randn(2, 4, 3), 'b': randn(2, 5, 4)}, args={'transA': True, 'transB': True})
    add('linear', 'linear', lambda x, w, b: F.linear(x, w, b), {'x': randn(2, 3, 4), 'w': randn(5, 4), 'b': randn(5)})
    add('linear_nobias', 'linear', lambda x, w: F.linear(x, w), {'x': randn(3, 4), 'w': randn(2, 4)})

    torch.manual_seed(5)
    pairs = [
        ('same', [2, 3, 4], [2, 3, 4]),
        ('row', [2, 3, 4], [4]),
        ('col', [2, 3, 4], [3, 1]),
        ('scalar', [2, 3, 4], [1]),
        ('mid', [2, 3, 4], [2, 1, 4]),
        ('both', [3, 1], [1, 4]),
        ('left', [4], [2, 3, 4]),
    ]
    for tag, sa, sb in pairs:
        a, b = randn(*sa), randn(*sb)
        add(f'add_{tag}', 'add', lambda a, b: a + b, {'a': a, 'b': b})
        add(f'sub_{tag}', 'sub', lambda a, b: a - b, {'a': a, 'b': b})
        add(f'mul_{tag}', 'mul', lambda a, b: a * b, {'a': a, 'b': b})
        bd = uniform(0.5, 2.0, *sb) * torch.where(randn(*sb) > 0, 1.0, -1.0)  # kept away from zero
        add(f'div_{tag}', 'div', lambda a, b: a / b, {'a': a, 'b': bd})

    torch.manual_seed(6)
    x = randn(2, 3, 4)
    reductions = [
        ('axis1', {'axes': 1, 'keepDims': False}, 1, False),
        ('axis-1_keep', {'axes': -1, 'keepDims': True}, -1, True),
        ('axes02', {'axes': [0, 2], 'keepDims': False}, (0, 2), False),
        ('axes02_keep', {'axes': [0, 2], 'keepDims': True}, (0, 2), True),
        ('all', {}, None, False),
    ]
    for tag, args, dim, keep in reductions:
        if dim is None:
            add(f'sum_{tag}', 'sum', lambda x: x.sum(), {'x': x}, args=args)
            add(f'mean_{tag}', 'mean', lambda x: x.mean(), {'x': x}, args=args)
        else:
            add(f'sum_{tag}', 'sum', lambda x, d=dim, k=keep: x.sum(dim=d, keepdim=k), {'x': x}, args=args)
            add(f'mean_{tag}', 'mean', lambda x, d=dim, k=keep: x.mean(dim=d, keepdim=k), {'x': x}, args=args)
    # max over one axis (random values: no ties, so the winner is unambiguous)
    add('max_axis1', 'max', lambda x: x.max(dim=1).values, {'x': x}, args={'axes': 1, 'keepDims': False})
    add('max_axis-1_keep', 'max', lambda x: x.max(dim=-1, keepdim=True).values, {'x': x}, args={'axes': -1, 'keepDims': True})
    add('max_axis0', 'max', lambda x: x.max(dim=0).values, {'x': x}, args={'axes': 0, 'keepDims': False})
    add('max_axes02', 'max', lambda x: x.amax(dim=(0, 2)), {'x': x}, args={'axes': [0, 2], 'keepDims': False})
    add('max_all', 'max', lambda x: x.max(), {'x': x}, args={})
    add('sum_all_keep', 'sum', lambda x: x.sum(dim=(0, 1, 2), keepdim=True), {'x': x}, args={'axes': [0, 1, 2], 'keepDims': True})
    # ties: max over one dim sends the gradient to the first maximum; the whole-tensor max splits it evenly
    ties = torch.tensor([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 0.5, 2.0], [-4.0, -3.0, -3.0, -5.0]])
    add('max_ties_axis1', 'max', lambda x: x.max(dim=1).values, {'x': ties}, args={'axes': 1, 'keepDims': False})
    add('max_ties_axis0', 'max', lambda x: x.max(dim=0).values, {'x': ties}, args={'axes': 0, 'keepDims': False})
    add('max_all_ties', 'max', lambda x: x.max(), {'x': ties}, args={})

    torch.manual_seed(7)
    pos = uniform(0.2, 3.0, 2, 5)
    add('exp', 'exp', lambda x: torch.exp(x), {'x': randn(2, 5)})
    add('log', 'log', lambda x: torch.log(x), {'x': pos})
    add('sqrt', 'sqrt', lambda x: torch.sqrt(x), {'x': pos})
    add('abs', 'abs', lambda x: torch.abs(x), {'x': torch.cat([randn(9), torch.tensor([0.0])]).reshape(2, 5)})
    add('square', 'square', lambda x: x * x, {'x': randn(2, 5)})
    add('pow_3', 'pow', lambda x: x ** 3, {'x': randn(2, 5)}, args={'p': 3})
    add('pow_1.5', 'pow', lambda x: x ** 1.5, {'x': pos}, args={'p': 1.5})
    # clamp: the boundary values themselves pass the gradient (torch: lo <= x <= hi)
    cx = torch.cat([uniform(-2, 2, 8), torch.tensor([-1.0, 1.0])]).reshape(2, 5)
    add('clamp', 'clamp', lambda x: torch.clamp(x, -1.0, 1.0), {'x': cx}, args={'lo': -1.0, 'hi': 1.0})
    add('mul_scalar', 'mulScalar', lambda x: x * -2.5, {'x': randn(2, 5)}, args={'s': -2.5})
    add('add_scalar', 'addScalar', lambda x: x + 0.75, {'x': randn(2, 5)}, args={'s': 0.75})

    torch.manual_seed(8)
    x = randn(2, 3, 4)
    add('transpose_last2', 'transpose', lambda x: x.transpose(-1, -2), {'x': x}, args={})
    add('transpose_perm', 'transpose', lambda x: x.permute(2, 0, 1), {'x': x}, args={'perm': [2, 0, 1]})
    add('reshape', 'reshape', lambda x: x.reshape(4, 6), {'x': x}, args={'shape': [4, 6]})
    add('slice', 'slice', lambda x: x[:, 1:3, :], {'x': x}, args={'axis': 1, 'start': 1, 'end': 3})
    add('concat_axis1', 'concat', lambda a, b: torch.cat([a, b], dim=1), {'a': randn(2, 2, 3), 'b': randn(2, 4, 3)},
        args={'axis': 1})

    torch.manual_seed(9)
    conv_cfgs = [
        ('conv1d', {'stride': 1, 'padding': 0, 'dilation': 1}, True, 10),
        ('conv1d_s2_p1_d2', {'stride': 2, 'padding': 1, 'dilation': 2}, True, 11),
        ('conv1d_s3_p2', {'stride': 3, 'padding': 2, 'dilation': 1}, True, 10),
        ('conv1d_nobias_d3', {'stride': 1, 'padding': 3, 'dilation': 3}, False, 9),
    ]
    for tag, cfg, bias, length in conv_cfgs:
        inputs = {'x': randn(2, 3, length), 'w': randn(4, 3, 3)}
        if bias:
            inputs['b'] = randn(4)
            fn = lambda x, w, b, c=cfg: F.conv1d(x, w, b, **c)
        else:
            fn = lambda x, w, c=cfg: F.conv1d(x, w, None, **c)
        add(tag, 'conv1d', fn, inputs, args=cfg)
    x = randn(2, 3, 9)
    add('max_pool1d_k3_s2', 'max_pool1d', lambda x: F.max_pool1d(x, 3, 2), {'x': x}, args={'kernel': 3, 'stride': 2})
    add('max_pool1d_k2', 'max_pool1d', lambda x: F.max_pool1d(x, 2), {'x': x}, args={'kernel': 2})
    add('max_pool1d_k3_s1', 'max_pool1d', lambda x: F.max_pool1d(x, 3, 1), {'x': x}, args={'kernel': 3, 'stride': 1})
    add('avg_pool1d_k3_s2', 'avg_pool1d', lambda x: F.avg_pool1d(x, 3, 2), {'x': x}, args={'kernel': 3, 'stride': 2})
    add('avg_pool1d_k2', 'avg_pool1d', lambda x: F.avg_pool1d(x, 2), {'x': x}, args={'kernel': 2})
    # ties inside a window: the first maximum takes the gradient
    tied = torch.tensor([[[1.0, 3.0, 3.0, 0.0, 3.0, 3.0, -1.0]], [[2.0, 2.0, 2.0, 2.0, 1.0, 5.0, 5.0]]])
    add('max_pool1d_ties', 'max_pool1d', lambda x: F.max_pool1d(x, 3, 1), {'x': tied}, args={'kernel': 3, 'stride': 1})

    torch.manual_seed(10)
    table = randn(6, 4)
    idx = torch.tensor([[1, 4, 1], [0, 5, 4]], dtype=torch.int64)  # repeats accumulate in the gradient
    add('gather', 'gather', lambda table, idx: F.embedding(idx, table), {'table': table}, ints={'idx': idx})
    idx1 = torch.tensor([3, 3, 2, 0, 3], dtype=torch.int64)
    add('gather_1d', 'gather', lambda table, idx: F.embedding(idx, table), {'table': table}, ints={'idx': idx1})
    # a table that is itself computed (not a leaf) gets a dense gradient
    add('gather_computed_table', 'gather_scaled', lambda table, idx: F.embedding(idx, table * 2.0), {'table': table},
        ints={'idx': idx}, args={'s': 2.0})
    return cases


# ---------------------------------------------------------------- losses

def make_losses():
    cases = []

    def add(name, op, fn, inputs, args=None, ints=None):
        # only the prediction is differentiated; a float target is data
        targets = {k: v for k, v in inputs.items() if k != 'pred'}
        cases.append(grad_case(name, op, fn, {'pred': inputs['pred']}, args=args, ints=ints, targets=targets))

    torch.manual_seed(20)
    pred, target = randn(4, 3), randn(4, 3)
    target[1, 1] = pred[1, 1]  # a zero error: |d|' = 0 there, as torch's sign(0)
    add('mse', 'mse', lambda pred, target: F.mse_loss(pred, target), {'pred': pred, 'target': target})
    add('l1', 'mae', lambda pred, target: F.l1_loss(pred, target), {'pred': pred, 'target': target})
    # a [N] target against [N, 1] predictions (the regression head's usual shape)
    p1, t1 = randn(5, 1), randn(5)
    add('mse_column', 'mse', lambda pred, target: F.mse_loss(pred, target.reshape(5, 1)), {'pred': p1, 'target': t1})
    add('l1_column', 'mae', lambda pred, target: F.l1_loss(pred, target.reshape(5, 1)), {'pred': p1, 'target': t1})
    # errors spread over both sides of delta
    hp, ht = randn(4, 3) * 1.5, randn(4, 3)
    for delta in (1.0, 0.5):
        add(f'huber_{delta}', 'huber', lambda pred, target, d=delta: F.huber_loss(pred, target, delta=d),
            {'pred': hp, 'target': ht}, args={'delta': delta})

    torch.manual_seed(21)
    logits = randn(3, 4) * 3
    logits[0, 0], logits[1, 1], logits[2, 2], logits[2, 3] = 40.0, -40.0, 100.0, -100.0  # stability
    y = (torch.rand(3, 4) > 0.5).float()
    y[2, 2], y[2, 3], y[0, 0] = 0.0, 1.0, 1.0
    y[1, 0], y[1, 2] = 0.3, 0.75  # soft labels
    add('bce_logits', 'bce', lambda pred, target: F.binary_cross_entropy_with_logits(pred, target),
        {'pred': logits, 'target': y}, args={})
    for pw in (3.0, 0.4):
        add(f'bce_logits_pos_weight_{pw}', 'bce',
            lambda pred, target, w=pw: F.binary_cross_entropy_with_logits(pred, target, pos_weight=torch.tensor([w])),
            {'pred': logits, 'target': y}, args={'posWeight': pw})

    torch.manual_seed(22)
    n, c = 6, 4
    ce_logits = randn(n, c) * 2
    ce_logits[3] = torch.tensor([100.0, -100.0, 50.0, 0.0])
    targets = torch.tensor([0, 3, 1, 2, 1, 3], dtype=torch.int64)
    weights = torch.tensor([0.5, 2.0, 1.0, 3.0])
    ce = [
        ('ce', {}, {}),
        ('ce_weights', {'classWeights': weights.tolist()}, {'weight': weights}),
        ('ce_smoothing', {'labelSmoothing': 0.1}, {'label_smoothing': 0.1}),
        ('ce_weights_smoothing', {'classWeights': weights.tolist(), 'labelSmoothing': 0.2},
         {'weight': weights, 'label_smoothing': 0.2}),
    ]
    for tag, args, kw in ce:
        add(tag, 'ce', lambda pred, t, kw=kw: F.cross_entropy(pred, t, **kw), {'pred': ce_logits},
            args={k: ([num(v) for v in a] if isinstance(a, list) else a) for k, a in args.items()}, ints={'t': targets})
    return cases


# ---------------------------------------------------------------- layers

def layer_case(name, layer, module, x, args=None, ints=None, call=None, mode='train', extra=None):
    """Runs module (already holding the state to load) on x; records output, grads, and the state after."""
    module.zero_grad(set_to_none=True)  # a module reused for a second case starts without gradients
    state_before = {k: ser(v) for k, v in module.state_dict().items()}
    module.train(mode == 'train')
    xs = None
    if x is not None:
        xs = x.detach().clone().requires_grad_(True)
    out = call(module, xs) if call else module(xs)
    r = projection(name, out.shape)
    (out * r).sum().backward()
    grads = {k: ser(p.grad if p.grad is not None else torch.zeros_like(p)) for k, p in module.named_parameters()}
    if xs is not None:
        grads['x'] = ser(xs.grad)
    case = {
        'name': name, 'layer': layer, 'args': args or {}, 'mode': mode,
        'state': state_before,
        'out': ser(out), 'r': ser(r), 'grads': grads,
        'stateAfter': {k: ser(v) for k, v in module.state_dict().items()},
    }
    if x is not None:
        case['inputs'] = {'x': ser(x)}
    if ints:
        case['ints'] = {k: ser(v) for k, v in ints.items()}
    if extra:
        case.update(extra)
    return case


def perturb(module, scale=0.5):
    """Moves every parameter off its default init (LayerNorm's ones/zeros would hide a swapped weight and bias)."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape) * scale)


def make_layers():
    cases = []

    torch.manual_seed(30)
    lin = nn.Linear(4, 3)
    cases.append(layer_case('linear', 'Linear', lin, randn(2, 5, 4), args={'in': 4, 'out': 3}))

    torch.manual_seed(31)
    ln = nn.LayerNorm(6)
    perturb(ln)
    cases.append(layer_case('layer_norm', 'LayerNorm', ln, randn(3, 4, 6) * 2 + 1, args={'dim': 6}))

    torch.manual_seed(32)
    bn = nn.BatchNorm1d(5)
    perturb(bn)
    cases.append(layer_case('batch_norm_train_2d', 'BatchNorm1d', bn, randn(8, 5) * 3 + 2, args={'features': 5}))
    bn = nn.BatchNorm1d(3)
    perturb(bn)
    cases.append(layer_case('batch_norm_train_3d', 'BatchNorm1d', bn, randn(4, 3, 6) * 2 - 1, args={'features': 3}))
    bn = nn.BatchNorm1d(5)
    perturb(bn)
    with torch.no_grad():
        bn.running_mean.copy_(randn(5))
        bn.running_var.copy_(uniform(0.5, 3.0, 5))
        bn.num_batches_tracked.fill_(7)
    cases.append(layer_case('batch_norm_eval', 'BatchNorm1d', bn, randn(6, 5) * 2, args={'features': 5}, mode='eval'))

    torch.manual_seed(33)
    emb = nn.Embedding(10, 4)
    ids = torch.tensor([[1, 7, 1], [9, 0, 7]], dtype=torch.int64)
    cases.append(layer_case('embedding', 'Embedding', emb, None, args={'count': 10, 'dim': 4}, ints={'ids': ids},
                            call=lambda m, _x, ids=ids: m(ids)))

    emb = nn.Embedding(10, 4, padding_idx=0)
    perturb(emb)  # a non-zero padding row too: it must still get no gradient
    ids = torch.tensor([[0, 3, 0], [5, 0, 3]], dtype=torch.int64)
    cases.append(layer_case('embedding_padding_idx', 'Embedding', emb, None,
                            args={'count': 10, 'dim': 4, 'paddingIdx': 0}, ints={'ids': ids},
                            call=lambda m, _x, ids=ids: m(ids)))

    torch.manual_seed(34)
    bag = nn.EmbeddingBag(10, 4, mode='mean')
    flat = torch.tensor([2, 5, 5, 9, 0, 3, 2, 8], dtype=torch.int64)
    offsets = torch.tensor([0, 3, 3, 4], dtype=torch.int64)  # bags: [2,5,5], [], [9], [0,3,2,8]
    cases.append(layer_case('embedding_bag_mean', 'EmbeddingBag', bag, None, args={'count': 10, 'dim': 4},
                            ints={'ids': flat, 'offsets': offsets}, call=lambda m, _x: m(flat, offsets)))
    # the padded [bags, length] form: padding ids are left out of each bag's mean
    bag = nn.EmbeddingBag(10, 4, mode='mean', padding_idx=0)
    padded = torch.tensor([[4, 7, 0, 0], [0, 1, 1, 9], [6, 0, 0, 0]], dtype=torch.int64)
    cases.append(layer_case('embedding_bag_mean_padded', 'EmbeddingBag', bag, None,
                            args={'count': 10, 'dim': 4, 'paddingIdx': 0, 'padded': True},
                            ints={'ids': padded}, call=lambda m, _x: m(padded)))

    torch.manual_seed(35)
    for tag, cfg in (('conv1d', {'stride': 1, 'padding': 0, 'dilation': 1}),
                     ('conv1d_s2_p1_d2', {'stride': 2, 'padding': 1, 'dilation': 2})):
        conv = nn.Conv1d(3, 4, 3, **cfg)
        cases.append(layer_case(tag, 'Conv1d', conv, randn(2, 3, 11), args={'in': 3, 'out': 4, 'kernel': 3, **cfg}))

    torch.manual_seed(36)
    gru = nn.GRU(3, 5, batch_first=True)
    cases.append(layer_case('gru', 'GRU', gru, randn(2, 5, 3), args={'input': 3, 'hidden': 5},
                            call=lambda m, x: m(x)[0]))
    torch.manual_seed(37)
    lstm = nn.LSTM(3, 5, batch_first=True)
    cases.append(layer_case('lstm', 'LSTM', lstm, randn(2, 7, 3), args={'input': 3, 'hidden': 5},
                            call=lambda m, x: m(x)[0]))

    torch.manual_seed(38)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    perturb(mha, 0.2)  # torch zeroes the biases at init
    cases.append(layer_case('mha', 'MultiHeadSelfAttention', mha, randn(2, 5, 8), args={'embed': 8, 'heads': 2},
                            call=lambda m, x: m(x, x, x, need_weights=False)[0]))
    # key padding: the last two steps of the second sequence are padding (True in torch, 1 in ours)
    pad = torch.tensor([[False] * 5, [False, False, False, True, True]])
    cases.append(layer_case('mha_key_padding', 'MultiHeadSelfAttention', mha, randn(2, 5, 8),
                            args={'embed': 8, 'heads': 2}, ints={'keyPaddingMask': pad.long()},
                            call=lambda m, x: m(x, x, x, key_padding_mask=pad, need_weights=False)[0]))

    for i, (act, norm_first) in enumerate((('relu', False), ('gelu', False), ('relu', True), ('gelu', True))):
        torch.manual_seed(39 + i)
        enc = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=act, batch_first=True, norm_first=norm_first)
        perturb(enc, 0.2)
        cases.append(layer_case(f'encoder_{act}_{"prenorm" if norm_first else "postnorm"}', 'TransformerEncoderLayer',
                                enc, randn(2, 5, 8), args={'dModel': 8, 'heads': 2, 'ff': 16, 'activation': act,
                                                            'normFirst': norm_first}))
    torch.manual_seed(43)
    enc = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation='gelu', batch_first=True)
    perturb(enc, 0.2)
    cases.append(layer_case('encoder_gelu_postnorm_key_padding', 'TransformerEncoderLayer', enc, randn(2, 5, 8),
                            args={'dModel': 8, 'heads': 2, 'ff': 16, 'activation': 'gelu', 'normFirst': False},
                            ints={'keyPaddingMask': pad.long()},
                            call=lambda m, x: m(x, src_key_padding_mask=pad)))
    return cases


# ---------------------------------------------------------------- optimizers, schedules, clipping

def make_optim():
    torch.manual_seed(50)
    x = randn(6, 3)
    y = randn(6, 2)
    init = nn.Linear(3, 2)
    init_state = {k: v.detach().clone() for k, v in init.state_dict().items()}

    runs = [
        ('sgd', 'SGD', {'lr': 0.1}, lambda ps: torch.optim.SGD(ps, lr=0.1)),
        ('sgd_momentum', 'SGD', {'lr': 0.1, 'momentum': 0.9}, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
        ('sgd_nesterov', 'SGD', {'lr': 0.1, 'momentum': 0.9, 'nesterov': True},
         lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True)),
        ('sgd_weight_decay', 'SGD', {'lr': 0.1, 'weightDecay': 0.1},
         lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.1)),
        ('sgd_momentum_weight_decay', 'SGD', {'lr': 0.1, 'momentum': 0.9, 'weightDecay': 0.1},
         lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1)),
        ('adam', 'Adam', {'lr': 0.05}, lambda ps: torch.optim.Adam(ps, lr=0.05)),
        ('adam_betas', 'Adam', {'lr': 0.05, 'beta1': 0.8, 'beta2': 0.99, 'eps': 1e-6},
         lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6)),
        ('adam_weight_decay', 'Adam', {'lr': 0.05, 'weightDecay': 0.1},
         lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.1)),
        ('adamw', 'AdamW', {'lr': 0.05, 'weightDecay': 0.01},
         lambda ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.01)),
        ('adamw_default_decay', 'AdamW', {'lr': 0.05}, lambda ps: torch.optim.AdamW(ps, lr=0.05)),
    ]
    optim_cases = []
    for name, kind, args, make in runs:
        model = nn.Linear(3, 2)
        model.load_state_dict(init_state)
        opt = make(list(model.parameters()))
        steps = []
        for _ in range(5):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            steps.append({'loss': num(loss.item()), 'params': {k: ser(v) for k, v in model.state_dict().items()}})
        optim_cases.append({'name': name, 'optimizer': kind, 'args': args, 'x': ser(x), 'y': ser(y),
                            'state': {k: ser(v) for k, v in init_state.items()}, 'steps': steps})

    # LR schedules: base lr 1, so the learning rate is the multiplier. lrs[s] is the rate used by step s.
    def lrs(make_sched, n):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=1.0)
        sched = make_sched(opt)
        out = []
        for _ in range(n):
            out.append(num(opt.param_groups[0]['lr']))
            opt.step()
            sched.step()
        return out

    sched = torch.optim.lr_scheduler
    schedules = [
        {'name': 'step_decay', 'kind': 'stepDecay', 'args': {'every': 3, 'gamma': 0.5},
         'lrs': lrs(lambda o: sched.StepLR(o, step_size=3, gamma=0.5), 12)},
        {'name': 'step_decay_0.1', 'kind': 'stepDecay', 'args': {'every': 2, 'gamma': 0.1},
         'lrs': lrs(lambda o: sched.StepLR(o, step_size=2, gamma=0.1), 7)},
        # torch's cosine is periodic past T_max; ours holds the floor, so only steps 0..T_max are compared.
        {'name': 'cosine', 'kind': 'cosine', 'args': {'total': 10, 'minFactor': 0.0},
         'lrs': lrs(lambda o: sched.CosineAnnealingLR(o, T_max=10), 11)},
        {'name': 'cosine_min', 'kind': 'cosine', 'args': {'total': 8, 'minFactor': 0.1},
         'lrs': lrs(lambda o: sched.CosineAnnealingLR(o, T_max=8, eta_min=0.1), 9)},
        # linearWarmup(w) is torch's LinearLR(start_factor=1/w, total_iters=w-1): (s+1)/w, then 1.
        {'name': 'linear_warmup', 'kind': 'linearWarmup', 'args': {'warmup': 4},
         'lrs': lrs(lambda o: sched.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=3), 8)},
        # linearWarmup(4, cosine(6, 0.1)): SequentialLR hands over to the cosine at step 4.
        {'name': 'warmup_then_cosine', 'kind': 'linearWarmup',
         'args': {'warmup': 4, 'after': {'kind': 'cosine', 'args': {'total': 6, 'minFactor': 0.1}}},
         'lrs': lrs(lambda o: sched.SequentialLR(o, [sched.LinearLR(o, start_factor=0.25, total_iters=3),
                                                     sched.CosineAnnealingLR(o, T_max=6, eta_min=0.1)],
                                                 milestones=[4]), 11)},
    ]

    # clip_grad_norm_: the total norm before clipping, and the gradients after.
    clip_cases = []
    torch.manual_seed(51)
    for name, max_norm, scale in (('clip_active', 1.0, 2.0), ('clip_inactive', 10.0, 0.5), ('clip_half', 0.5, 1.0)):
        a = nn.Parameter(torch.zeros(3, 4))
        b = nn.Parameter(torch.zeros(5))
        a.grad = randn(3, 4) * scale
        b.grad = randn(5) * scale
        before = {'a': ser(a.grad), 'b': ser(b.grad)}
        total = torch.nn.utils.clip_grad_norm_([a, b], max_norm)
        clip_cases.append({'name': name, 'maxNorm': max_norm, 'grads': before, 'totalNorm': num(total.item()),
                           'clipped': {'a': ser(a.grad), 'b': ser(b.grad)}})
    return {'optimizers': optim_cases, 'schedules': schedules, 'clip': clip_cases}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    meta = f'generated by scripts/make-torch-fixtures.py with torch {torch.__version__}'
    dump('ops.json', {'source': meta, 'cases': make_ops()})
    dump('losses.json', {'source': meta, 'cases': make_losses()})
    dump('layers.json', {'source': meta, 'cases': make_layers()})
    dump('optim.json', {'source': meta, **make_optim()})


if __name__ == '__main__':
    main()
