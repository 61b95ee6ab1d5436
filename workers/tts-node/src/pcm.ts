/** @module Float samples in [-1, 1] → signed 16-bit little-endian PCM bytes. */

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function toPcm16(samples: Float32Array): Uint8Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] ?? 0;
    // Typed-array stores (not DataView) are ~3x faster here; clamping keeps overs from wrapping.
    out[i] = s >= 1 ? 0x7fff : s <= -1 ? -0x8000 : s < 0 ? s * 0x8000 : s * 0x7fff;
  }
  const bytes = new Uint8Array(out.buffer);
  if (!littleEndian) for (let i = 0; i < bytes.length; i += 2) [bytes[i], bytes[i + 1]] = [bytes[i + 1] ?? 0, bytes[i] ?? 0];
  return bytes;
}
