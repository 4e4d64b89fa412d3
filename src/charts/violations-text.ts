import { Columns } from '../analysis/columns.ts';
import type { IsolationViolationsSummary } from '../analysis/isolation-violations.ts';
import { signalName, syscallName } from '../core/x86-64-abi.ts';
import { textTable } from './text-table.ts';

/** The report `tracelab violations` prints: per CPU the task's synchronous entries, then each violation. */
export function violationsText(s: IsolationViolationsSummary, source: string, who: string): string {
  const out = [`synchronous kernel entries of the tasks on ${who} over ${s.seconds.toFixed(3)} s (${source})`, ''];
  if (s.notes.length) out.push('notes:', ...s.notes.map((n) => `  - ${n}`), '');
  const rec = s.recorded;
  const na = (v: number | null, ok: boolean) => (ok ? v : null);
  if (!s.perCpu.length) return [...out, 'no syscall, fault, signal or context-tracking events on these CPUs', ''].join('\n');
  out.push(
    textTable(
      new Columns({
        cpu: s.perCpu.map((c) => c.cpu),
        task: s.perCpu.map((c) => c.task),
        syscalls: s.perCpu.map((c) => na(c.syscalls, rec.syscalls)),
        refused: s.perCpu.map((c) => na(c.refused, rec.syscalls)),
        exempt: s.perCpu.map((c) => na(c.exempt, rec.syscalls)),
        faults: s.perCpu.map((c) => na(c.faults, rec.faults)),
        interrupts: s.perCpu.map((c) => c.interrupts),
        signals: s.perCpu.map((c) => na(c.signals, rec.signals)),
        killed_at: s.perCpu.map((c) => c.killedAt ?? ''),
      }),
      { missing: 'n/a' },
    ),
  );
  out.push('', `violations: ${s.violations.length} (${s.kills} killed, ${s.violations.length - s.kills} signalled and went on); signals after an interrupt (not the task's doing): ${rec.signals ? s.afterInterrupt : 'n/a'}`);
  if (s.violations.length) {
    const v = s.violations;
    out.push(
      '',
      textTable(
        new Columns({
          time: v.map((x) => x.time),
          cpu: v.map((x) => x.cpu),
          task: v.map((x) => `${x.comm}-${x.pid}`),
          entry: v.map((x) => (x.entry === 'syscall' ? `syscall ${x.nr === null ? '?' : `${syscallName(x.nr) ?? 'nr'} (${x.nr})`}${x.refused ? ' refused' : ''}` : x.entry === 'page fault' ? `page fault at ${x.address ?? '?'}` : x.entry)),
          user_ip: v.map((x) => x.userIp ?? 'n/a'),
          signal: v.map((x) => signalName(x.signal)),
          outcome: v.map((x) => (x.killed ? 'killed' : 'went on')),
          stack: v.map((x) => x.stack ?? 'n/a (record with -T)'),
        }),
      ),
    );
  }
  return out.join('\n') + '\n';
}
