import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePluginFamiliesTrace } from './plugin-families-trace.ts';
import { BASIC_MODES, storedOracleTests } from './stored-oracle.ts';

/** libtraceevent's scsi, cfg80211, mac80211 and kvm plugins against trace-cmd itself. */
const here = path.dirname(new URL(import.meta.url).pathname);

describe('scsi, cfg80211, mac80211, kvm plugins (libtraceevent 1.7.1), oracle: trace-cmd report', () => {
  const byName = (...names: string[]) => (ev: { name: string; system: string }) => names.some((n) => ev.name === n || ev.system === n);
  const stored = storedOracleTests(here, 'plugin-families', writePluginFamiliesTrace, [
    ...BASIC_MODES,
    // no plugins: handlers and plugin print functions gone, every event its print fmt
    ['-N', ['-N'], { noPlugins: true }],
    // one family without its handler, another raw
    ['-n-kvm-r-scsi', ['-n', 'kvm', '-r', 'scsi'], { noHandler: byName('kvm'), rawEvents: byName('scsi') }],
  ]);

  it('decodes what the stored oracle shows', () => {
    const text = stored();
    for (const needle of [
      'cmnd=(READ_10 lba=18446744071578977028 txlen=256 protect=7 raw=',
      'cmnd=(WRITE_SAME lba=1 txlen=1 protect=0 unmap=1 raw=',
      'cmnd=(UNMAP regions=268435455 raw=',
      'cmnd=(SERVICE_ACTION_IN_16 GET_LBA_STATUS lba=18446744071562067968 alloc_len=4096 raw=',
      'cmnd=(VARIABLE_LENGTH_CMD READ_32 lba=4660 txlen=18446744071562067976 protect=1 ei_lbrt=2147483649 raw=',
      'cmnd=(TEST_UNIT_READY - raw=',
      'ftype:0x8b0',
      'drv_bss_info_changed: phy1 vif:(-1)\n' + ' '.repeat(65) + 'assoc:0 aid:65535',
      'assoc_cap:0x431 basic_rates:0 enable_beacon:0',
      'kvm_emulate_insn:     f000:7c00: 0f 01 d9 48 89 e5 90 90 90 c3 cc cc cc cc cc FAIL',
      'kvm_nested_vmexit:    <CANT FIND FIELD rip>vcpu 1 reason IO_INSTRUCTION',
      'reason UNKNOWN (12345) info1 0 info2 0 int_info 0 int_info_err 0',
      'new sp gfn 12345 4 q2 direct wux pae nxe wp smm root 2 sync\n',
      'existing sp gfn 1 1 q0 -ux invalid !pae !nxe !wp smep smap root 0 unsync\n',
      'spte=8000000000000067 w=2',
    ]) {
      expect(text).toContain(needle);
    }
  });
});
