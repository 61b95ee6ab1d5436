/**
 * @module The WAV header sent before streamed PCM. The length is not known when audio starts
 * to flow, so the RIFF and data sizes are 0xFFFFFFFF, as streaming encoders write them.
 */

export function wavHeader(sampleRate: number, channels = 1, bitsPerSample = 16): Uint8Array {
  const header = new Uint8Array(44);
  const v = new DataView(header.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) header[at + i] = s.charCodeAt(i);
  };
  const blockAlign = (channels * bitsPerSample) / 8;
  ascii(0, "RIFF");
  v.setUint32(4, 0xffffffff, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * blockAlign, true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, bitsPerSample, true);
  ascii(36, "data");
  v.setUint32(40, 0xffffffff, true);
  return header;
}
