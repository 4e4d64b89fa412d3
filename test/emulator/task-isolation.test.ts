import { describe, expect, it } from 'vitest';
import { isolationViolations } from '../../src/analysis/arquero-reports.ts';
import { linesOf, run } from './record-helpers.ts';

/** Seed 003: strict task isolation, its mechanism checked on the trace, not on the emulator's own account. */
describe('dataplane-strict (seed 003): synchronous entries are violations, interrupts never are', () => {
  it('SIGKILL: each task dies at its first refused syscall or page fault, and the analysis finds each kill', async () => {
    const r = await run('dataplane-strict', [], { duration: '10s' });
    const killed = r.summary.isolated.killed;
    expect(killed).toBe(6);
    const gen = linesOf(r.report, 'signal_generate');
    expect(gen.length).toBe(killed);
    for (const l of gen) {
      // send_sig_info() with a zeroed siginfo: SI_USER, a PIDTYPE_PID send (grp=0)
      expect(l).toMatch(/sig=9 errno=0 code=0 comm=dp-worker pid=(\d+) grp=0 res=0/);
      const pid = /pid=(\d+)/.exec(l)![1];
      const lines = r.report.split('\n');
      const at = lines.indexOf(l);
      const out = lines.findIndex((x, k) => k > at && x.includes(`dp-worker:${pid} [120] X ==> swapper`));
      expect(out).toBeGreaterThan(at);
      expect(lines.slice(out + 1).some((x) => x.includes(`dp-worker-${pid} `))).toBe(false);
    }
    const v = isolationViolations(r.trace, { isolated: [2, 3, 4, 5, 6, 7] }).summary;
    expect(v.kills).toBe(killed);
    expect(v.violations.length).toBe(killed);
    expect(v.afterInterrupt).toBe(0);
    for (const x of v.violations) {
      expect(x.killed).toBe(true);
      expect(x.message).toMatch(new RegExp(`^dp-worker/${x.pid}: task_isolation mode lost due to (syscall ${x.nr}|page fault at ${x.address})$`));
      if (x.entry === 'syscall') expect(x.refused).toBe(true);
      else expect(x.userIp).toMatch(/^0x55d0c1a0/);
    }
    // a refused syscall never reaches trace_sys_enter(): its only trace is the -ERESTARTNOINTR exit
    expect(linesOf(r.report, 'sys_exit').filter((l) => l.endsWith('= -513')).length).toBe(v.violations.filter((x) => x.entry === 'syscall').length);
    expect(r.summary.isolated.ipisReceived).toBeGreaterThan(0);
  });

  it('prctl, exit and exit_group pass; every other syscall and every fault is a violation; interrupts never are', async () => {
    // a high IPI rate (BPF JIT text patching on every CPU) and a signal the task survives, so nothing ends early
    const sets = ['kernel.dataplane_signal=10', 'sources.bpf_jit=20', 'isolated_load.syscalls_per_sec=20', 'isolated_load.syscalls=prctl,write,futex', 'isolated_load.page_faults_per_sec=10'];
    const r = await run('dataplane-strict', sets, { duration: '2s', events: [{ event: 'all', filters: [] }] });
    const v = isolationViolations(r.trace, { isolated: [2, 3, 4, 5, 6, 7] }).summary;
    const entries = v.perCpu.reduce((a, c) => ({ faults: a.faults + c.faults, refused: a.refused + c.refused, interrupts: a.interrupts + (c.interrupts ?? 0) }), { faults: 0, refused: 0, interrupts: 0 });
    expect(entries.interrupts).toBeGreaterThan(500);
    expect(entries.faults).toBeGreaterThan(50);
    expect(v.afterInterrupt).toBe(0);
    expect(v.kills).toBe(0);
    // one signal per violation: each refused syscall and each fault, nothing else
    expect(v.violations.length).toBe(entries.refused + entries.faults);
    expect(v.violations.every((x) => x.entry !== 'interrupt' && x.signal === 10)).toBe(true);
    // the refused ones are write and futex; prctl is never refused
    expect(new Set(v.violations.filter((x) => x.entry === 'syscall').map((x) => x.nr))).toEqual(new Set([1, 202]));
    // after its handler the task's refused syscall restarts (rt_sigreturn returns its number) and runs
    const lines = r.report.split('\n');
    const refused = lines.findIndex((l) => / sys_exit: +NR (1|202) = -513$/.test(l));
    const cpu = /\[(\d{3})\]/.exec(lines[refused])![1];
    const nr = /NR (\d+) =/.exec(lines[refused])![1];
    const after = lines.slice(refused + 1).filter((l) => l.includes(`[${cpu}]`) && / sys_(enter|exit): /.test(l)).slice(0, 6);
    expect(after[0]).toMatch(/sys_enter: +NR 15 /);
    expect(after[1]).toMatch(new RegExp(`sys_exit: +NR 15 = ${nr}$`));
    expect(after[2]).toMatch(new RegExp(`sys_enter: +NR ${nr} `));
    expect(after[3]).toMatch(new RegExp(`sys_exit: +NR ${nr} = (64|0)$`));
    // and re-arms the mode: PR_SET_TASK_ISOLATION
    expect(after[4]).toMatch(/sys_enter: +NR 157 \(30, a03,/);
  });

  it('more interrupts do not change the violations: the same tasks die at the same times', async () => {
    const quiet = await run('dataplane-strict', ['sources.bpf_jit=0', 'sources.vunmap_purges=0'], { duration: '6s' });
    const busy = await run('dataplane-strict', ['sources.bpf_jit=40'], { duration: '6s' });
    const at = (r: typeof quiet) => isolationViolations(r.trace, { isolated: [2, 3, 4, 5, 6, 7] }).summary.violations.map((x) => `${x.time} ${x.cpu} ${x.entry} ${x.nr}`);
    expect(busy.summary.isolated.ipisReceived).toBeGreaterThan(10 * quiet.summary.isolated.ipisReceived);
    expect(at(busy)).toEqual(at(quiet));
  });

  it('without strict mode the same syscalls and faults run and nothing is signalled', async () => {
    const lax = await run('dataplane-strict', ['kernel.dataplane_strict=off'], { duration: '10s' });
    expect(lax.summary.isolated.killed).toBe(0);
    expect(linesOf(lax.report, 'signal_generate').length).toBe(0);
    const v = isolationViolations(lax.trace).summary;
    expect(v.violations.length).toBe(0);
    expect(v.perCpu.filter((c) => c.cpu >= 2).reduce((a, c) => a + c.faults + c.syscalls, 0)).toBeGreaterThan(10);
    expect(linesOf(lax.report, 'page_fault_user')[0]).toMatch(/address=0x7f3a1c6[0-9a-f]+ ip=0x55d0c1a0[0-9a-f]+ error_code=0x6$/);
  });
});

describe('dataplane-strict: leaving is allowed', () => {
  it('exit_group ends the task with no signal and no kill', async () => {
    const r = await run('dataplane-strict', ['isolated_load.syscalls=exit_group', 'isolated_load.page_faults_per_sec=0'], { duration: '10s' });
    expect(r.summary.isolated.killed).toBe(0);
    expect(linesOf(r.report, 'signal_generate').length).toBe(0);
    const exits = linesOf(r.report, 'sched_process_exit');
    expect(exits.length).toBe(6);
    expect(linesOf(r.report, 'sys_enter').filter((l) => / NR 231 \(0,/.test(l)).length).toBe(6);
  });
});
