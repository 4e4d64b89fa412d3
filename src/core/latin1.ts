/**
 * Latin-1, the one text encoding of trace data: one char per byte, as C reads
 * it, so every byte a trace holds comes back out unchanged.
 */

/**
 * Bytes [start, end) as text. Short runs (names, fields) by hand: a Buffer per
 * call costs more there; longer ones through a Buffer view of the bytes
 * (Buffer.from(bytes) would copy them first).
 */
export function latin1Text(d: Uint8Array, start = 0, end = d.length): string {
  if (end - start < 64) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(d[i]);
    return s;
  }
  return Buffer.from(d.buffer, d.byteOffset + start, end - start).toString('latin1');
}

/** A string as bytes: each char's low 8 bits. */
export function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
