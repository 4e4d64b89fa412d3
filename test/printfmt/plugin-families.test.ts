import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePluginFamiliesTrace } from './plugin-families-trace.ts';
import { BASIC_MODES, storedOracleTests } from './stored-oracle.ts';

/** libtraceevent's scsi, cfg80211 and mac80211 plugins against trace-cmd itself. */
const here = path.dirname(new URL(import.meta.url).pathname);

describe('scsi, cfg80211, mac80211 plugins (libtraceevent 1.7.1), oracle: trace-cmd report', () => {
  const stored = storedOracleTests(here, 'plugin-families', writePluginFamiliesTrace, BASIC_MODES);

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
    ]) {
      expect(text).toContain(needle);
    }
  });
});
