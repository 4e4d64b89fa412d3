import type { EventBatch } from '../../core/batch.ts';
import type { EventFormat, FieldFormat } from '../../core/event-format.ts';
import { readUnsigned } from '../../core/int64.ts';
import type { Trace } from '../../core/trace.ts';

const U64 = (1n << 64n) - 1n;

/**
 * report -w (trace-cmd 3.1.6 trace-read.c: init_wakeup(), process_wakeup(),
 * add_sched(), finish_wakeup()): each shown sched_switch to a task with a
 * wakeup pending ends " Latency: N.NNN usecs"; at the end, the average,
 * maximum and minimum wakeup latency, and the same for RT tasks (next_prio
 * 99 or below).
 */
export class WakeupLatency {
  private readonly ids: { wakeup: number; wakeupNew: number; sched: number };
  private readonly f: { task: FieldFormat; success?: FieldFormat; newTask?: FieldFormat; newSuccess?: FieldFormat; next: FieldFormat; prio: FieldFormat };
  private readonly le: boolean;
  private readonly pending = new Map<number, bigint>();
  private readonly all = { total: 0n, count: 0n, max: 0n, maxAt: 0n, min: U64, minAt: 0n };
  private readonly rt = { total: 0n, count: 0n, max: 0n, maxAt: 0n, min: U64, minAt: 0n };
  /** What a latency counts in (made once: no array per switch). */
  private readonly rtSets = [this.all, this.rt];
  private readonly otherSets = [this.all];

  private constructor(ids: WakeupLatency['ids'], f: WakeupLatency['f'], le: boolean) {
    this.ids = ids;
    this.f = f;
    this.le = le;
  }

  /** null when the trace lacks what -w needs (trace-cmd then shows no latencies either). */
  static of(trace: Trace): WakeupLatency | null {
    const find = (name: string) => trace.formats.find(name, 'sched')[0] as EventFormat | undefined;
    const wk = find('sched_wakeup');
    const sw = find('sched_switch');
    const task = wk?.field('pid');
    const next = sw?.field('next_pid');
    const prio = sw?.field('next_prio');
    if (!wk || !sw || !task || !next || !prio) return null;
    const wn = find('sched_wakeup_new');
    const newTask = wn?.field('pid');
    if (wn && !newTask) return null;
    return new WakeupLatency({ wakeup: wk.id, wakeupNew: wn ? wn.id : -1, sched: sw.id }, { task, success: wk.field('success'), newTask, newSuccess: wn?.field('success'), next, prio }, !trace.bigEndian);
  }

  /** tep_read_number_field(): a 1/2/4/8-byte field's unsigned value, or null. */
  private num(b: EventBatch, i: number, f: FieldFormat | undefined): bigint | null {
    if (!f || (f.size !== 1 && f.size !== 2 && f.size !== 4 && f.size !== 8) || f.offset + f.size > b.size[i]) return null;
    return readUnsigned(b.dv, b.off[i] + f.offset, f.size, this.le);
  }

  /**
   * process_wakeup() for a shown record at `baseSec` s + `rel` ns: the text to put before
   * its newline (the time made exact only for the events it reads).
   */
  process(b: EventBatch, i: number, baseSec: number, rel: number): string {
    const id = b.type[i];
    if (id !== this.ids.wakeup && id !== this.ids.wakeupNew && id !== this.ids.sched) return '';
    const ts = BigInt(baseSec) * 1_000_000_000n + BigInt(rel);
    if (id === this.ids.wakeup || id === this.ids.wakeupNew) {
      const isNew = id === this.ids.wakeupNew;
      const ok = this.num(b, i, isNew ? this.f.newSuccess : this.f.success);
      if (ok === 0n) return '';
      const pid = this.num(b, i, isNew ? this.f.newTask : this.f.task);
      if (pid === null) return '';
      // a second wakeup before the switch restarts the wait
      this.pending.set(Number(BigInt.asUintN(32, pid)), ts);
      return '';
    }
    const prio = this.num(b, i, this.f.prio);
    if (prio === null) return '';
    const pid = this.num(b, i, this.f.next);
    if (pid === null) return '';
    const key = Number(BigInt.asUintN(32, pid));
    const start = this.pending.get(key);
    if (start === undefined) return '';
    this.pending.delete(key);
    const cal = (ts - start) & U64;
    const rt = prio <= 99n;
    for (const s of rt ? this.rtSets : this.otherSets) {
      if (cal > s.max) {
        s.max = cal;
        s.maxAt = ts;
      }
      if (cal < s.min) {
        s.min = cal;
        s.minAt = ts;
      }
      s.total += cal;
      s.count++;
    }
    return ` Latency: ${us(cal)} usecs`;
  }

  /** finish_wakeup(): the summary, or nothing when no latency was measured. */
  summary(): string {
    if (!this.all.count) return '';
    let out = timings(this.all);
    if (this.rt.count) out += 'RT task timings:\n' + timings(this.rt);
    return out;
  }
}

const us = (ns: bigint) => `${ns / 1000n}.${String(ns % 1000n).padStart(3, '0')}`;

/** show_wakeup_timings(), with its time stamp rounding (no carry into the seconds). */
function timings(s: { total: bigint; count: bigint; max: bigint; maxAt: bigint; min: bigint; minAt: bigint }): string {
  const at = (t: bigint) => `${t / 1_000_000_000n}.${String(((t + 500n) % 1_000_000_000n) / 1000n).padStart(6, '0')}`;
  const avg = (s.total & U64) / s.count;
  return `\nAverage wakeup latency: ${us(avg)} usecs\nMaximum Latency: ${us(s.max)} usecs at timestamp: ${at(s.maxAt)}\nMinimum Latency: ${us(s.min)} usecs at timestamp: ${at(s.minAt)}\n\n`;
}
