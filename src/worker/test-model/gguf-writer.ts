// A small GGUF v3 writer (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md).
// It exists so the project can build its own test model without a model hub: it covers
// the metadata value types a Llama model needs and unquantised F32/F16 tensors. The
// layout is: header, metadata key/values, tensor infos, padding to the alignment, then
// the tensor data, each tensor starting at a multiple of the alignment.

/** GGUF metadata value type ids (gguf_type in ggml). */
const GgufValueType = {
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
} as const;

/** ggml tensor type ids for the two element types this writer can store. */
export const GgmlType = { F32: 0, F16: 1 } as const;
export type GgmlTensorType = keyof typeof GgmlType;

/** llama.cpp's default when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
const GGUF_MAGIC = 'GGUF';
const GGUF_VERSION = 3;
/** GGML_MAX_NAME is 64 bytes including the terminating NUL. */
const MAX_TENSOR_NAME_BYTES = 63;
const MAX_TENSOR_DIMS = 4;

export type GgufValue =
  | { type: 'uint32'; value: number }
  | { type: 'int32'; value: number }
  | { type: 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'uint64'; value: bigint }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'float32[]'; value: readonly number[] | Float32Array }
  | { type: 'int32[]'; value: readonly number[] | Int32Array };

/** Shorthands so metadata tables read as `['llama.block_count', gguf.u32(4)]`. */
export const gguf = {
  u32: (value: number): GgufValue => ({ type: 'uint32', value }),
  i32: (value: number): GgufValue => ({ type: 'int32', value }),
  f32: (value: number): GgufValue => ({ type: 'float32', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  str: (value: string): GgufValue => ({ type: 'string', value }),
  u64: (value: bigint): GgufValue => ({ type: 'uint64', value }),
  strs: (value: readonly string[]): GgufValue => ({ type: 'string[]', value }),
  f32s: (value: readonly number[] | Float32Array): GgufValue => ({ type: 'float32[]', value }),
  i32s: (value: readonly number[] | Int32Array): GgufValue => ({ type: 'int32[]', value }),
};

export interface GgufTensor {
  name: string;
  /** ggml order: ne0 (the contiguous, fastest-varying dimension) first. */
  dims: readonly number[];
  /** Element type stored in the file; `data` is always given as float32 and converted. */
  type: GgmlTensorType;
  data: Float32Array;
}

export interface GgufFile {
  /** Written in this order; the order is part of the file bytes, so keep it stable. */
  metadata: ReadonlyArray<readonly [key: string, value: GgufValue]>;
  tensors: readonly GgufTensor[];
  /** Defaults to 32. Any other value is also written as `general.alignment`. */
  alignment?: number;
}

/** Growable little-endian byte sink for the header part of the file. */
class ByteSink {
  private buffer = Buffer.alloc(64 * 1024);
  private length = 0;

  private reserve(bytes: number): number {
    if (this.length + bytes > this.buffer.length) {
      const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    const at = this.length;
    this.length += bytes;
    return at;
  }

  u32(value: number): void {
    this.buffer.writeUInt32LE(value, this.reserve(4));
  }
  i32(value: number): void {
    this.buffer.writeInt32LE(value, this.reserve(4));
  }
  f32(value: number): void {
    this.buffer.writeFloatLE(value, this.reserve(4));
  }
  u64(value: bigint | number): void {
    this.buffer.writeBigUInt64LE(BigInt(value), this.reserve(8));
  }
  u8(value: number): void {
    this.buffer.writeUInt8(value, this.reserve(1));
  }
  /** gguf_string: u64 byte length, then UTF-8 bytes without a terminator. */
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    bytes.copy(this.buffer, this.reserve(bytes.length));
  }
  zeros(count: number): void {
    this.buffer.fill(0, this.reserve(count), this.length);
  }
  get size(): number {
    return this.length;
  }
  toBuffer(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function writeValue(sink: ByteSink, key: string, value: GgufValue): void {
  switch (value.type) {
    case 'uint32':
      checkInteger(key, value.value, 0, 0xffffffff);
      sink.u32(GgufValueType.UINT32);
      sink.u32(value.value);
      return;
    case 'int32':
      checkInteger(key, value.value, -0x80000000, 0x7fffffff);
      sink.u32(GgufValueType.INT32);
      sink.i32(value.value);
      return;
    case 'float32':
      sink.u32(GgufValueType.FLOAT32);
      sink.f32(value.value);
      return;
    case 'bool':
      sink.u32(GgufValueType.BOOL);
      sink.u8(value.value ? 1 : 0);
      return;
    case 'string':
      sink.u32(GgufValueType.STRING);
      sink.string(value.value);
      return;
    case 'uint64':
      if (value.value < 0n || value.value > 0xffffffffffffffffn) throw new RangeError(`${key}: not a uint64`);
      sink.u32(GgufValueType.UINT64);
      sink.u64(value.value);
      return;
    case 'string[]':
      sink.u32(GgufValueType.ARRAY);
      sink.u32(GgufValueType.STRING);
      sink.u64(value.value.length);
      for (const item of value.value) sink.string(item);
      return;
    case 'float32[]':
      sink.u32(GgufValueType.ARRAY);
      sink.u32(GgufValueType.FLOAT32);
      sink.u64(value.value.length);
      for (const item of value.value) sink.f32(item);
      return;
    case 'int32[]':
      sink.u32(GgufValueType.ARRAY);
      sink.u32(GgufValueType.INT32);
      sink.u64(value.value.length);
      for (const item of value.value) {
        checkInteger(key, item, -0x80000000, 0x7fffffff);
        sink.i32(item);
      }
      return;
  }
}

function checkInteger(key: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${key}: ${value} is out of range`);
}

function elementCount(tensor: GgufTensor): number {
  if (tensor.dims.length < 1 || tensor.dims.length > MAX_TENSOR_DIMS) {
    throw new RangeError(`tensor ${tensor.name}: needs 1 to ${MAX_TENSOR_DIMS} dims`);
  }
  let count = 1;
  for (const dim of tensor.dims) {
    if (!Number.isSafeInteger(dim) || dim < 1) throw new RangeError(`tensor ${tensor.name}: bad dim ${dim}`);
    count *= dim;
  }
  if (count !== tensor.data.length) {
    throw new RangeError(`tensor ${tensor.name}: dims hold ${count} elements but data has ${tensor.data.length}`);
  }
  return count;
}

/** IEEE 754 binary32 -> binary16 bits, round to nearest even (what ggml_fp32_to_fp16 does). */
export function float32ToFloat16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Inf / NaN
  const unbiased = exponent - 127;
  if (unbiased > 15) return sign | 0x7c00; // overflow to Inf
  if (unbiased >= -14) {
    // Normal half: keep 10 mantissa bits, round the dropped 13 to nearest even.
    let half = ((unbiased + 15) << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half += 1; // may carry into the exponent: still correct
    return sign | half;
  }
  if (unbiased < -25) return sign; // too small even for a subnormal half
  // Subnormal half: shift the full 24-bit significand into place, rounding to nearest even.
  const significand = mantissa | 0x800000;
  const shift = -unbiased - 1; // 14..24 (value = significand * 2^(unbiased-23), half ulp = 2^-24)
  let half = significand >>> shift;
  const rest = significand & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rest > halfway || (rest === halfway && half & 1)) half += 1;
  return sign | half;
}

function tensorBytes(tensor: GgufTensor): Buffer {
  if (tensor.type === 'F32') {
    // Copy through a fresh buffer so the bytes are little-endian regardless of host order.
    const out = Buffer.alloc(tensor.data.length * 4);
    tensor.data.forEach((value, i) => out.writeFloatLE(value, i * 4));
    return out;
  }
  const out = Buffer.alloc(tensor.data.length * 2);
  tensor.data.forEach((value, i) => out.writeUInt16LE(float32ToFloat16Bits(value), i * 2));
  return out;
}

const BYTES_PER_ELEMENT: Record<GgmlTensorType, number> = { F32: 4, F16: 2 };

/**
 * Yields the file as chunks (header+infos+padding, then each tensor with its padding) so
 * a caller can stream a large file; `encodeGguf` concatenates them.
 */
export function* ggufChunks(file: GgufFile): Generator<Buffer> {
  const alignment = file.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0) {
    throw new RangeError(`alignment ${alignment} must be a power of two`);
  }

  const metadata = [...file.metadata];
  const keys = new Set<string>();
  for (const [key, value] of metadata) {
    if (keys.has(key)) throw new Error(`duplicate metadata key ${key}`);
    keys.add(key);
    if (key === 'general.alignment' && (value.type !== 'uint32' || value.value !== alignment)) {
      throw new Error(`general.alignment must be uint32 ${alignment} to match the padding used`);
    }
  }
  // Readers assume 32 unless told otherwise, so a different alignment must be recorded.
  if (alignment !== GGUF_DEFAULT_ALIGNMENT && !keys.has('general.alignment')) {
    metadata.push(['general.alignment', gguf.u32(alignment)]);
  }

  const names = new Set<string>();
  for (const tensor of file.tensors) {
    if (names.has(tensor.name)) throw new Error(`duplicate tensor name ${tensor.name}`);
    if (Buffer.byteLength(tensor.name, 'utf8') > MAX_TENSOR_NAME_BYTES) throw new Error(`tensor name too long: ${tensor.name}`);
    names.add(tensor.name);
  }

  const header = new ByteSink();
  for (const char of GGUF_MAGIC) header.u8(char.charCodeAt(0));
  header.u32(GGUF_VERSION);
  header.u64(file.tensors.length);
  header.u64(metadata.length);
  for (const [key, value] of metadata) {
    header.string(key);
    writeValue(header, key, value);
  }

  // Offsets are relative to the data section; llama.cpp requires each one to equal the
  // running sum of the previous tensors' sizes padded to the alignment.
  let offset = 0;
  for (const tensor of file.tensors) {
    const count = elementCount(tensor);
    header.string(tensor.name);
    header.u32(tensor.dims.length);
    for (const dim of tensor.dims) header.u64(dim);
    header.u32(GgmlType[tensor.type]);
    header.u64(offset);
    offset += alignUp(count * BYTES_PER_ELEMENT[tensor.type], alignment);
  }
  header.zeros(alignUp(header.size, alignment) - header.size);
  yield header.toBuffer();

  for (const tensor of file.tensors) {
    const bytes = tensorBytes(tensor);
    const padding = alignUp(bytes.length, alignment) - bytes.length;
    yield padding ? Buffer.concat([bytes, Buffer.alloc(padding)]) : bytes;
  }
}

/** The whole GGUF file in memory; fine for test-sized models. */
export function encodeGguf(file: GgufFile): Buffer {
  return Buffer.concat([...ggufChunks(file)]);
}
