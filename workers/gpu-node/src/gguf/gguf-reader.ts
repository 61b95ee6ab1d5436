/** @module gguf-reader — reads a GGUF header, metadata and tensor infos without loading tensor data. */
import { type FileHandle, open } from "node:fs/promises";

/** Thrown for anything that is not a well-formed GGUF header; never a crash or a hang. */
export class GgufFormatError extends Error {
  override readonly name = "GgufFormatError";
}

export type GgufScalar = number | bigint | boolean | string;
/** 64-bit integers stay bigint so no precision is lost silently; arrays are never nested. */
export type GgufValue =
  | GgufScalar
  | readonly number[]
  | readonly bigint[]
  | readonly boolean[]
  | readonly string[];

export interface GgufTensorInfo {
  name: string;
  /** Innermost-first (ne[0] first), as stored. */
  dims: number[];
  /** ggml type code (0 = F32, 1 = F16, ...). */
  type: number;
  /** Offset relative to the start of the tensor data section. */
  offset: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  /** Type of each metadata value, e.g. `uint32` or `array<string>`. */
  metadataTypes: Map<string, string>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute file offset where the tensor data section starts. */
  dataOffset: number;
  fileBytes: number;
}

/** Caps so a corrupt count or length becomes an error instead of a huge allocation. */
export interface GgufReadLimits {
  maxTensors: number;
  maxKeyValues: number;
  maxStringBytes: number;
  maxArrayLength: number;
  /** Total bytes of header (metadata + tensor infos) we are willing to parse. */
  maxHeaderBytes: number;
}

/**
 * Generous for real models (vocabularies ~256k tokens, merges ~1M, a few thousand tensors)
 * while bounding what a corrupt count can make us allocate (about 100 MB at worst).
 */
export const defaultGgufReadLimits: GgufReadLimits = {
  maxTensors: 262_144,
  maxKeyValues: 65_536,
  maxStringBytes: 16 * 1024 * 1024,
  maxArrayLength: 8 * 1024 * 1024,
  maxHeaderBytes: 512 * 1024 * 1024,
};

/** ggml's limit; llama.cpp refuses tensors with more dimensions. */
const GGML_MAX_DIMS = 4;
const CHUNK_BYTES = 256 * 1024;
const TYPE_NAMES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool"]
  .concat(["string", "array", "uint64", "int64", "float64"]);
/** "GGUF" read as a little-endian u32. */
const GGUF_MAGIC = 0x46554747;
const TYPE_STRING = 8;
const TYPE_ARRAY = 9;

/** Reads forward through the file in chunks so only the header is ever in memory. */
class Cursor {
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly fileBytes: number,
    private readonly maxHeaderBytes: number,
  ) {}

  /** Makes `n` bytes at `pos` available and returns their index in `buf`. */
  private async need(n: number, what: string): Promise<number> {
    if (this.pos + n > this.fileBytes) {
      throw new GgufFormatError(
        `file truncated: ${what} needs ${n} bytes at offset ${this.pos}, file has ${this.fileBytes}`,
      );
    }
    if (this.pos + n > this.maxHeaderBytes) {
      throw new GgufFormatError(`header larger than the ${this.maxHeaderBytes}-byte limit`);
    }
    const index = this.pos - this.bufStart;
    if (index >= 0 && index + n <= this.buf.length) return index;
    // Never buffer past the header cap, so the sync path in tryScalar respects it too.
    const limit = Math.min(this.fileBytes, this.maxHeaderBytes);
    const size = Math.min(Math.max(n, CHUNK_BYTES), limit - this.pos);
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await this.fh.read(buf, got, size - got, this.pos + got);
      if (bytesRead === 0) throw new GgufFormatError(`file truncated while reading ${what}`);
      got += bytesRead;
    }
    this.buf = buf;
    this.bufStart = this.pos;
    return 0;
  }

  async u32(what: string): Promise<number> {
    const i = await this.need(4, what);
    this.pos += 4;
    return this.buf.readUInt32LE(i);
  }

  async u64(what: string): Promise<bigint> {
    const i = await this.need(8, what);
    this.pos += 8;
    return this.buf.readBigUInt64LE(i);
  }

  /** A u64 that must fit a JavaScript number and stay under `cap`. */
  async count(what: string, cap: number): Promise<number> {
    const v = await this.u64(what);
    if (v > BigInt(cap)) throw new GgufFormatError(`${what} ${v} exceeds the limit of ${cap}`);
    return Number(v);
  }

  async str(what: string, cap: number): Promise<string> {
    const len = await this.count(`${what} length`, cap);
    const i = await this.need(len, what);
    this.pos += len;
    return this.buf.toString("utf8", i, i + len);
  }

  async scalar(type: number, what: string, maxStringBytes: number): Promise<GgufScalar> {
    if (type === TYPE_STRING) return this.str(what, maxStringBytes);
    const size = SCALAR_SIZES[type];
    if (!size) throw new GgufFormatError(`${what}: unsupported value type ${type}`);
    const i = await this.need(size, what);
    this.pos += size;
    return decodeScalar(this.buf, i, type);
  }

  /**
   * Reads a scalar straight from the buffer when it is all there, else undefined (then use
   * `scalar`). Vocabularies hold hundreds of thousands of strings; awaiting each one
   * would make the reader several times slower.
   */
  tryScalar(type: number, maxStringBytes: number): GgufScalar | undefined {
    const i = this.pos - this.bufStart;
    const avail = i >= 0 ? this.buf.length - i : 0;
    if (type === TYPE_STRING) {
      if (avail < 8 || this.buf.readUInt32LE(i + 4) !== 0) return undefined;
      const len = this.buf.readUInt32LE(i);
      if (len > maxStringBytes || len > avail - 8) return undefined;
      this.pos += 8 + len;
      return this.buf.toString("utf8", i + 8, i + 8 + len);
    }
    const size = SCALAR_SIZES[type];
    if (!size || avail < size) return undefined;
    this.pos += size;
    return decodeScalar(this.buf, i, type);
  }
}

/** Byte size of each fixed-size scalar type; 0 for string and array. */
const SCALAR_SIZES = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];

function decodeScalar(b: Buffer, i: number, type: number): GgufScalar {
  switch (type) {
    case 0:
      return b.readUInt8(i);
    case 1:
      return b.readInt8(i);
    case 2:
      return b.readUInt16LE(i);
    case 3:
      return b.readInt16LE(i);
    case 4:
      return b.readUInt32LE(i);
    case 5:
      return b.readInt32LE(i);
    case 6:
      return b.readFloatLE(i);
    case 7:
      return b.readUInt8(i) !== 0;
    case 10:
      return b.readBigUInt64LE(i);
    case 11:
      return b.readBigInt64LE(i);
    default:
      return b.readDoubleLE(i);
  }
}

function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `type${type}`;
}

async function readValue(
  c: Cursor,
  key: string,
  limits: GgufReadLimits,
): Promise<{ value: GgufValue; type: string }> {
  const type = await c.u32(`type of ${key}`);
  if (type !== TYPE_ARRAY) {
    return { value: await c.scalar(type, key, limits.maxStringBytes), type: typeName(type) };
  }
  const itemType = await c.u32(`item type of ${key}`);
  if (itemType === TYPE_ARRAY) throw new GgufFormatError(`${key}: nested arrays are not supported`);
  if (typeName(itemType).startsWith("type")) {
    throw new GgufFormatError(`${key}: unsupported array item type ${itemType}`);
  }
  const length = await c.count(`array length of ${key}`, limits.maxArrayLength);
  const items: GgufScalar[] = [];
  for (let i = 0; i < length; i++) {
    items.push(c.tryScalar(itemType, limits.maxStringBytes) ?? (await c.scalar(itemType, key, limits.maxStringBytes)));
  }
  // Items all share one scalar type, so the narrowing to a homogeneous array is sound.
  return { value: items as GgufValue, type: `array<${typeName(itemType)}>` };
}

async function readTensorInfo(c: Cursor, index: number, limits: GgufReadLimits): Promise<GgufTensorInfo> {
  const name = await c.str(`name of tensor ${index}`, limits.maxStringBytes);
  const nDims = await c.u32(`dimension count of ${name}`);
  if (nDims > GGML_MAX_DIMS) {
    throw new GgufFormatError(`tensor ${name} has ${nDims} dimensions (max ${GGML_MAX_DIMS})`);
  }
  const dims: number[] = [];
  let elements = 1;
  for (let d = 0; d < nDims; d++) {
    const dim = await c.count(`dimension ${d} of ${name}`, Number.MAX_SAFE_INTEGER);
    elements *= dim;
    if (elements > Number.MAX_SAFE_INTEGER) throw new GgufFormatError(`tensor ${name} is absurdly large`);
    dims.push(dim);
  }
  const type = await c.u32(`type of ${name}`);
  const offset = await c.count(`offset of ${name}`, Number.MAX_SAFE_INTEGER);
  return { name, dims, type, offset };
}

export async function readGgufHeader(
  path: string,
  limits: Partial<GgufReadLimits> = {},
): Promise<GgufHeader> {
  const lim: GgufReadLimits = { ...defaultGgufReadLimits, ...limits };
  const fh = await open(path, "r");
  try {
    const { size: fileBytes } = await fh.stat();
    const c = new Cursor(fh, fileBytes, lim.maxHeaderBytes);
    if (fileBytes < 24) throw new GgufFormatError(`file too short for a GGUF header: ${fileBytes} bytes`);
    const magic = await c.u32("magic");
    if (magic !== GGUF_MAGIC) {
      throw new GgufFormatError(`not a GGUF file: bad magic 0x${magic.toString(16).padStart(8, "0")}`);
    }
    const version = await c.u32("version");
    if (version !== 2 && version !== 3) {
      // A big-endian file reads its small version number byte-swapped.
      const hint = version === 0x02000000 || version === 0x03000000 ? " (big-endian GGUF is not supported)" : "";
      throw new GgufFormatError(`unsupported GGUF version ${version}${hint}`);
    }
    const tensorCount = await c.count("tensor count", lim.maxTensors);
    const kvCount = await c.count("metadata count", lim.maxKeyValues);

    const metadata = new Map<string, GgufValue>();
    const metadataTypes = new Map<string, string>();
    for (let i = 0; i < kvCount; i++) {
      const key = await c.str(`key ${i}`, lim.maxStringBytes);
      if (metadata.has(key)) throw new GgufFormatError(`duplicate metadata key ${key}`);
      const { value, type } = await readValue(c, key, lim);
      metadata.set(key, value);
      metadataTypes.set(key, type);
    }

    const tensors: GgufTensorInfo[] = [];
    const names = new Set<string>();
    for (let i = 0; i < tensorCount; i++) {
      const info = await readTensorInfo(c, i, lim);
      if (names.has(info.name)) throw new GgufFormatError(`duplicate tensor name ${info.name}`);
      names.add(info.name);
      tensors.push(info);
    }

    const alignment = readAlignment(metadata.get("general.alignment"));
    const dataOffset = Math.ceil(c.pos / alignment) * alignment;
    return { version, metadata, metadataTypes, tensors, alignment, dataOffset, fileBytes };
  } finally {
    await fh.close();
  }
}

function readAlignment(value: GgufValue | undefined): number {
  if (value === undefined) return 32;
  const n = typeof value === "number" || typeof value === "bigint" ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n <= 0 || n > 1 << 30 || (n & (n - 1)) !== 0) {
    throw new GgufFormatError(`general.alignment must be a power of two, got ${String(value)}`);
  }
  return n;
}
