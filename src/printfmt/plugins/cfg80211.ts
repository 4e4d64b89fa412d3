import type { PrintFunction } from './print-function-api.ts';

/**
 * plugin_cfg80211.c: process___le16_to_cpup() reads the u16 its pointer
 * argument points to (le16toh on the little-endian hosts trace-cmd runs on);
 * a null pointer gives 0. The cfg80211 mlme events pass their frame's bytes.
 */
export const le16ToCpup: PrintFunction = {
  params: 1,
  call: (_args, mem) => {
    const at = mem(0);
    if (!at) return { value: 0n, text: '' };
    return { value: BigInt(at(0) | (at(1) << 8)), text: '' };
  },
  // read back: the frame's first two bytes (the frame control field), little-endian
  invertBytes: (v) => (v < 0n || v > 0xffffn ? null : Uint8Array.of(Number(v & 0xffn), Number(v >> 8n))),
};
