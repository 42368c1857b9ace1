// A small ONNX graph builder: named values, weight initializers, nodes with typed attributes, encoded with onnx-proto.
import onnxProto from 'onnx-proto';
import type { onnx as O } from 'onnx-proto';
import { AndonError } from '../../errors.js';

const { onnx } = onnxProto;

/**
 * Opset 17 is the first with LayerNormalization and is run by every onnxruntime since 1.12; IR version 8
 * is the one that opset was released with, so older runtimes and tools still read the file.
 */
export const OPSET = 17;
export const IR_VERSION = 8;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export type ElemType = typeof FLOAT | typeof INT64;

/** An attribute value with its ONNX type spelled out (1 and 1.0 are the same number in JavaScript). */
export type Attr = { int: number } | { float: number } | { ints: number[] } | { floats: number[] };
export const int = (v: number): Attr => ({ int: v });
export const float = (v: number): Attr => ({ float: v });
export const ints = (v: number[]): Attr => ({ ints: v });

/** A graph dimension: a fixed size, or a name for a size chosen at run time (the batch). */
export type Dim = number | string;

function attribute(name: string, a: Attr): O.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in a) return { name, type: T.INT, i: a.int };
  if ('float' in a) return { name, type: T.FLOAT, f: a.float };
  if ('ints' in a) return { name, type: T.INTS, ints: a.ints };
  return { name, type: T.FLOATS, floats: a.floats };
}

function valueInfo(name: string, elemType: ElemType, dims: Dim[]): O.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** Little-endian bytes of a typed array (the rawData layout ONNX specifies). */
function rawBytes(values: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return new Uint8Array(bytes); // a copy: the caller's array may be a view into live model weights
}

export class Graph {
  private readonly nodes: O.INodeProto[] = [];
  private readonly initializers: O.ITensorProto[] = [];
  private readonly inputs: O.IValueInfoProto[] = [];
  private readonly outputs: O.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();

  /** A name not used yet, derived from `hint`. */
  fresh(hint: string): string {
    let name = hint,
      k = 1;
    while (this.names.has(name)) name = `${hint}_${k++}`;
    this.names.add(name);
    return name;
  }

  /** Declares a graph input; inputs come first, so the name is still free. */
  input(name: string, elemType: ElemType, dims: Dim[]): string {
    if (this.names.has(name)) throw new AndonError('internal', `graph input ${name} declared twice`);
    this.inputs.push(valueInfo(this.fresh(name), elemType, dims));
    return name;
  }

  /** Declares `value` as a graph output named `name` (through Identity when the names differ). */
  output(value: string, name: string, elemType: ElemType, dims: Dim[]): void {
    if (value !== name) this.nodes.push({ opType: 'Identity', input: [value], output: [this.fresh(name)], name: `${name}_identity` });
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A float32 initializer (weights, constants). */
  floats(hint: string, data: ArrayLike<number>, dims: number[]): string {
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    if (values.length !== dims.reduce((p, d) => p * d, 1)) throw new AndonError('internal', `initializer ${hint}: ${values.length} values for [${dims}]`);
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: rawBytes(values) });
    return name;
  }

  /** An int64 initializer (shapes, axes, indices); `dims` [] makes a scalar. */
  int64s(hint: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, dataType: INT64, rawData: rawBytes(BigInt64Array.from(values, (v) => BigInt(v))) });
    return name;
  }

  /** Shared small constants (axes lists, scalars), one initializer per distinct value. */
  constInts(values: number[], scalar = false): string {
    const key = `i${scalar ? 's' : ''}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.int64s(`const_${values.join('_').replace(/-/g, 'm')}`, values, scalar ? [] : [values.length]);
      this.constants.set(key, name);
    }
    return name;
  }

  constFloat(value: number): string {
    const key = `f:${value}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.floats(`const_f${this.constants.size}`, [value], []);
      this.constants.set(key, name);
    }
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, hint = opType.toLowerCase()): string {
    return this.opN(opType, inputs, 1, attrs, hint)[0];
  }

  /** Adds a node with `outputs` outputs ("" inputs are omitted optional inputs). */
  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, Attr> = {}, hint = opType.toLowerCase()): string[] {
    const out = Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? hint : `${hint}_out${i}`));
    this.nodes.push({
      opType,
      input: inputs,
      output: out,
      name: this.fresh(`${hint}_node`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  encode(graphName: string, docString = '', metadata: Record<string, string> = {}): Uint8Array {
    const model: O.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'andon',
      docString,
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}
