/**
 * @module demo-voice/onnx-writer — a hand-written protobuf encoder for the small part of
 * onnx.proto a generated model needs: ModelProto with opset imports, metadata_props and one
 * GraphProto (nodes with int/float/ints attributes, raw_data initializers, typed inputs/outputs
 * whose dims may be symbolic). Field numbers are those of onnx/onnx.proto.
 */

/** TensorProto.DataType values used here. */
export const ElemType = { FLOAT: 1, INT64: 7 } as const;
export type ElemType = (typeof ElemType)[keyof typeof ElemType];

/** A node attribute: exactly one of int, float or list of ints (AttributeProto.type INT/FLOAT/INTS). */
export type OnnxAttr = { i: number } | { f: number } | { ints: readonly number[] };

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: Readonly<Record<string, OnnxAttr>>;
}

/** A constant tensor; `dims: []` is a scalar. Data is stored little-endian in raw_data. */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

/** A graph input/output; a string dim is symbolic (dim_param). */
export interface OnnxValueInfo {
  name: string;
  elemType: ElemType;
  shape: readonly (number | string)[];
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  graphName: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  metadata: Readonly<Record<string, string>>;
}

const utf8 = new TextEncoder();

/** One protobuf message being written: a list of byte chunks. */
class Message {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  private rawVarint(value: bigint): void {
    let v = BigInt.asUintN(64, value); // negative int64 → ten-byte two's complement
    const out: number[] = [];
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      out.push(v === 0n ? low : low | 0x80);
    } while (v !== 0n);
    this.push(Uint8Array.from(out));
  }

  /** Wire type 0 (int32, int64, enum). */
  varint(field: number, value: number): this {
    this.rawVarint(BigInt((field << 3) | 0));
    this.rawVarint(BigInt(value));
    return this;
  }

  /** Wire type 5 (float). */
  float(field: number, value: number): this {
    this.rawVarint(BigInt((field << 3) | 5));
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** Wire type 2 (bytes, string, embedded message). */
  bytes(field: number, value: Uint8Array): this {
    this.rawVarint(BigInt((field << 3) | 2));
    this.rawVarint(BigInt(value.length));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, value: Message): this {
    return this.bytes(field, value.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function attribute(name: string, attr: OnnxAttr): Message {
  const m = new Message().string(1, name); // AttributeProto.name
  if ("i" in attr) return m.varint(3, attr.i).varint(20, 2); // i, type=INT
  if ("f" in attr) return m.float(2, attr.f).varint(20, 1); // f, type=FLOAT
  for (const v of attr.ints) m.varint(8, v); // ints (unpacked is valid proto2)
  return m.varint(20, 7); // type=INTS
}

function node(n: OnnxNode, index: number): Message {
  const m = new Message();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, `${n.op}_${index}`).string(4, n.op); // name, op_type
  for (const [k, v] of Object.entries(n.attrs ?? {})) m.message(5, attribute(k, v));
  return m;
}

function tensor(t: OnnxTensor): Message {
  const m = new Message();
  for (const d of t.dims) m.varint(1, d); // dims
  m.varint(2, t.data instanceof Float32Array ? ElemType.FLOAT : ElemType.INT64); // data_type
  m.string(8, t.name);
  // Typed arrays are little-endian on every platform Node supports.
  return m.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)); // raw_data
}

function valueInfo(v: OnnxValueInfo): Message {
  const shape = new Message();
  for (const d of v.shape) {
    // TensorShapeProto.dim: dim_value = 1, dim_param = 2
    shape.message(1, typeof d === "number" ? new Message().varint(1, d) : new Message().string(2, d));
  }
  const tensorType = new Message().varint(1, v.elemType).message(2, shape); // elem_type, shape
  return new Message().string(1, v.name).message(2, new Message().message(1, tensorType)); // name, type.tensor_type
}

/** Serializes a model to the bytes of a `.onnx` file. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const graph = new Message();
  model.nodes.forEach((n, i) => {
    graph.message(1, node(n, i));
  });
  graph.string(2, model.graphName);
  for (const t of model.initializers) graph.message(5, tensor(t));
  for (const v of model.inputs) graph.message(11, valueInfo(v));
  for (const v of model.outputs) graph.message(12, valueInfo(v));

  const m = new Message().varint(1, model.irVersion).string(2, model.producerName); // ir_version, producer_name
  m.message(7, graph);
  m.message(8, new Message().string(1, "").varint(2, model.opsetVersion)); // opset_import (default domain)
  for (const [key, value] of Object.entries(model.metadata)) {
    m.message(14, new Message().string(1, key).string(2, value)); // metadata_props
  }
  return m.finish();
}
