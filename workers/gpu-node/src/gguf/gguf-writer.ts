/** @module gguf-writer — serialises metadata and F32 tensors into a GGUF v3 file image. */

/** GGUF metadata value type codes, as written in the file (gguf.h `gguf_type`). */
export const GgufValueType = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

/** The scalar item types an array may hold in files we write. */
export type GgufArrayItemType = "string" | "float32" | "int32" | "uint32";

/**
 * One metadata value. The type is explicit because JavaScript numbers do not say
 * whether llama.cpp expects u32, i32 or f32, and a wrong type makes it reject the key.
 */
export type GgufWriteValue =
  | { type: "uint32" | "int32" | "float32"; value: number }
  | { type: "uint64"; value: bigint }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "array"; itemType: "string"; value: readonly string[] }
  | { type: "array"; itemType: "float32" | "int32" | "uint32"; value: ArrayLike<number> };

/** One F32 tensor. `dims` is innermost-first (ne[0] first), the order GGUF stores. */
export interface GgufWriteTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array;
}

export interface GgufWriteInput {
  /** Insertion order is preserved in the file. */
  metadata: ReadonlyArray<readonly [string, GgufWriteValue]>;
  tensors: readonly GgufWriteTensor[];
  /** Alignment of the tensor data section; written as `general.alignment` unless present. */
  alignment?: number;
}

/** Small constructors so call sites read like the GGUF spec. */
export const gv = {
  u32: (value: number): GgufWriteValue => ({ type: "uint32", value }),
  i32: (value: number): GgufWriteValue => ({ type: "int32", value }),
  f32: (value: number): GgufWriteValue => ({ type: "float32", value }),
  u64: (value: bigint): GgufWriteValue => ({ type: "uint64", value }),
  bool: (value: boolean): GgufWriteValue => ({ type: "bool", value }),
  str: (value: string): GgufWriteValue => ({ type: "string", value }),
  strs: (value: readonly string[]): GgufWriteValue => ({ type: "array", itemType: "string", value }),
  f32s: (value: ArrayLike<number>): GgufWriteValue => ({ type: "array", itemType: "float32", value }),
  i32s: (value: ArrayLike<number>): GgufWriteValue => ({ type: "array", itemType: "int32", value }),
};

const GGML_TYPE_F32 = 0;
const encoder = new TextEncoder();

/** Growable little-endian byte sink; GGUF is little-endian throughout. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  str(s: string): void {
    const b = encoder.encode(s);
    this.u64(BigInt(b.length));
    this.bytes(b);
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeValue(sink: ByteSink, value: GgufWriteValue): void {
  switch (value.type) {
    case "uint32":
      sink.u32(GgufValueType.uint32);
      sink.u32(value.value);
      return;
    case "int32":
      sink.u32(GgufValueType.int32);
      sink.i32(value.value);
      return;
    case "float32":
      sink.u32(GgufValueType.float32);
      sink.f32(value.value);
      return;
    case "uint64":
      sink.u32(GgufValueType.uint64);
      sink.u64(value.value);
      return;
    case "bool":
      sink.u32(GgufValueType.bool);
      sink.u8(value.value ? 1 : 0);
      return;
    case "string":
      sink.u32(GgufValueType.string);
      sink.str(value.value);
      return;
    case "array":
      sink.u32(GgufValueType.array);
      writeArray(sink, value);
  }
}

function writeArray(sink: ByteSink, value: Extract<GgufWriteValue, { type: "array" }>): void {
  sink.u32(GgufValueType[value.itemType]);
  sink.u64(BigInt(value.value.length));
  if (value.itemType === "string") {
    for (const s of value.value) sink.str(s);
    return;
  }
  const items = value.value;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] ?? 0;
    if (value.itemType === "float32") sink.f32(item);
    else if (value.itemType === "int32") sink.i32(item);
    else sink.u32(item);
  }
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** Builds a complete GGUF v3 file image in memory (fine for the small files we generate). */
export function writeGguf(input: GgufWriteInput): Uint8Array {
  const alignment = input.alignment ?? 32;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new RangeError(`alignment must be a power of two, got ${alignment}`);
  }
  const metadata = [...input.metadata];
  if (!metadata.some(([key]) => key === "general.alignment")) {
    metadata.push(["general.alignment", gv.u32(alignment)]);
  }

  // Tensor offsets are relative to the start of the data section, each one aligned.
  const offsets: number[] = [];
  let dataSize = 0;
  for (const t of input.tensors) {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) {
      throw new RangeError(`tensor ${t.name}: dims ${t.dims.join("x")} != ${t.data.length} values`);
    }
    dataSize = alignUp(dataSize, alignment);
    offsets.push(dataSize);
    dataSize += t.data.byteLength;
  }

  const sink = new ByteSink();
  sink.bytes(encoder.encode("GGUF"));
  sink.u32(3);
  sink.u64(BigInt(input.tensors.length));
  sink.u64(BigInt(metadata.length));
  for (const [key, value] of metadata) {
    sink.str(key);
    writeValue(sink, value);
  }
  input.tensors.forEach((t, i) => {
    sink.str(t.name);
    sink.u32(t.dims.length);
    for (const d of t.dims) sink.u64(BigInt(d));
    sink.u32(GGML_TYPE_F32);
    sink.u64(BigInt(offsets[i] ?? 0));
  });
  sink.padTo(alignment);
  const dataStart = sink.length;

  const out = new Uint8Array(dataStart + alignUp(dataSize, alignment));
  out.set(sink.result(), 0);
  const view = new DataView(out.buffer);
  input.tensors.forEach((t, i) => {
    // Write element by element so the output is little-endian on any host.
    let pos = dataStart + (offsets[i] ?? 0);
    for (let j = 0; j < t.data.length; j++, pos += 4) view.setFloat32(pos, t.data[j] ?? 0, true);
  });
  return out;
}
