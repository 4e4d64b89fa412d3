import { PrintkTable } from '../../core/printk.ts';
import { SymbolTable } from '../../core/symbols.ts';

/** Where made-up kernel text starts: above any real kernel address in traces. */
const SYNTH_TEXT = 0xfffffffff0000000n;
const SLOT = 0x100000n;
const SYNTH_STRINGS = 0xffffffffe0000000n;

/**
 * The kallsyms a text trace implies: addresses stack lines give (`=> func
 * (ffffffff81234560)`), and for names seen only as `func+0x20` (or, in kernel
 * text, `func+0x20/0x40`) a made-up address. With a known size (kernel text)
 * symbols are laid end to end so %pS prints that size back; without, each
 * gets a 1 MiB slot. The table is rebuilt only when a name is added.
 */
export class SynthSymbols {
  private exact = new Map<bigint, string>();
  private synth = new Map<string, bigint>();
  private sized = new Map<string, bigint>();
  private next = SYNTH_TEXT;
  private table: SymbolTable | null = null;

  constructor() {
    // _stext anchors the preemptirq offsets; it sits just below the made-up text, and a
    // line naming it (`_stext+0x0`) must get this address, not a slot of its own
    this.exact.set(SYNTH_TEXT - 0x1000n, '_stext');
    this.synth.set('_stext', SYNTH_TEXT - 0x1000n);
  }

  /** Address of a symbol by name, when the table has one. */
  named(name: string): bigint | null {
    const a = this.synth.get(name);
    if (a !== undefined) return a;
    for (const [addr, n] of this.exact) if (n === name) return addr;
    return null;
  }

  /** An exact address of a named function (a stack line). */
  at(name: string, addr: bigint): void {
    if (this.exact.get(addr) === name) return;
    this.exact.set(addr, name);
    this.table = null;
  }

  /** The address of `name+offset`; `size` when the text gives it. Null if it cannot fit. */
  address(name: string, offset: bigint, size?: bigint): bigint | null {
    let base = this.synth.get(name);
    if (base === undefined) {
      base = this.next;
      this.synth.set(name, base);
      this.next += size !== undefined ? (size > 0n ? size : 1n) : SLOT;
      if (size !== undefined) this.sized.set(name, size);
      this.table = null;
    } else if (size !== undefined && !this.sized.has(name)) {
      // first seen without a size (%ps): a marker at base+size makes %pS print it
      this.sized.set(name, size);
      if (size > 0n && size < SLOT) {
        this.exact.set(base + size, `__tracelab_end_${name}`);
        this.table = null;
      }
    }
    const limit = this.sized.get(name) ?? SLOT;
    return offset < limit || (limit === 0n && offset === 0n) ? base + offset : null;
  }

  get symbols(): SymbolTable {
    if (!this.table) {
      const lines: string[] = [];
      for (const [a, n] of this.exact) lines.push(`${a.toString(16).padStart(16, '0')} T ${n}`);
      for (const [n, a] of this.synth) lines.push(`${a.toString(16)} T ${n}`);
      // an end marker: addresses past the last made-up symbol must not resolve to it
      if (this.synth.size) lines.push(`${this.next.toString(16)} T __tracelab_text_end`);
      this.table = new SymbolTable(lines.join('\n') + '\n');
    }
    return this.table;
  }
}

/** printk_formats for strings a text trace shows through `const char *` fields (rcu_utilization's "Start context switch"). */
export class SynthPrintk {
  private map = new Map<string, bigint>();
  private next = SYNTH_STRINGS;
  private table: PrintkTable | null = new PrintkTable('');

  address(s: string): bigint {
    let a = this.map.get(s);
    if (a === undefined) {
      a = this.next;
      this.next += BigInt((s.length + 16) & ~7);
      this.map.set(s, a);
      this.table = null;
    }
    return a;
  }

  get printk(): PrintkTable {
    if (!this.table) this.table = new PrintkTable([...this.map].map(([s, a]) => `0x${a.toString(16)} : "${s}"`).join('\n') + '\n');
    return this.table;
  }
}
