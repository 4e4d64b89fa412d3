import { cmpU64 } from './glibc-bsearch.ts';

/**
 * The printk_formats table: kernel addresses of constant strings (trace_printk
 * formats, tracepoint_string()s). `%s` of a pointer field and bprint events look
 * strings up here, with libtraceevent's rules: leading/trailing quote and one
 * trailing literal "\n" stripped; escapes otherwise kept as written.
 */
export class PrintkTable {
  private hi = new Uint32Array(0);
  private lo = new Uint32Array(0);
  private strs: string[] = [];
  private parsed = false;

  constructor(private text: string = '') {}

  get source(): string {
    return this.text;
  }

  private ensure(): void {
    if (this.parsed) return;
    this.parsed = true;
    const his: number[] = [];
    const los: number[] = [];
    const strs: string[] = [];
    for (const line of this.text.split('\n')) {
      if (!line) continue;
      const colon = line.indexOf(':');
      const addrText = colon < 0 ? line : line.slice(0, colon);
      let a: bigint;
      const m = /^\s*(?:0[xX])?([0-9a-fA-F]+)/.exec(addrText);
      a = m ? BigInt.asUintN(64, BigInt('0x' + m[1])) : 0n;
      if (colon < 0) break; // strtok_r leaves fmt empty: libtraceevent stops
      let s = line.slice(colon + 2);
      if (s.startsWith('"')) s = s.slice(1);
      if (s.endsWith('"')) s = s.slice(0, -1);
      if (s.endsWith('\\n')) s = s.slice(0, -2);
      his.push(Number(a >> 32n));
      los.push(Number(a & 0xffffffffn));
      strs.push(s);
    }
    const n = strs.length;
    const order = new Array<number>(n);
    for (let i = 0; i < n; i++) order[i] = n - 1 - i;
    order.sort((x, y) => cmpU64(his[x], los[x], his[y], los[y]));
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.strs = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const k = order[i];
      this.hi[i] = his[k];
      this.lo[i] = los[k];
      this.strs[i] = strs[k];
    }
  }

  get size(): number {
    this.ensure();
    return this.strs.length;
  }

  /** The i-th entry in address order (what tep_print_printk lists). */
  address(i: number): bigint {
    return (BigInt(this.hi[i]) << 32n) | BigInt(this.lo[i]);
  }

  string(i: number): string {
    return this.strs[i];
  }

  /** The string at this exact address, or null. */
  find(hi: number, lo: number): string | null {
    this.ensure();
    const H = this.hi;
    const L = this.lo;
    let l = 0;
    let u = this.strs.length;
    while (l < u) {
      const k = (l + u) >>> 1;
      const h = H[k];
      if (hi < h || (hi === h && lo < L[k])) u = k;
      else if (hi === h && lo === L[k]) return this.strs[k];
      else l = k + 1;
    }
    return null;
  }

  findBig(addr: bigint): string | null {
    const a = BigInt.asUintN(64, addr);
    return this.find(Number(a >> 32n), Number(a & 0xffffffffn));
  }
}
