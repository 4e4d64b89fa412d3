import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEventFormat, type EventFormat } from '../../src/core/event-format.ts';
import { headerPageText, HEADER_EVENT_TEXT } from '../../src/core/format-writer.ts';
import { RecordEncoder, type FieldValue } from '../../src/core/record-encoder.ts';
import { DatWriter } from '../../src/io/dat/writer.ts';

/**
 * Events of the plugin families no real trace here has, with the formats of
 * real 5.15 kernels (test/printfmt/formats/, from recordings): scsi's CDB
 * decoding (every command it knows, bytes >= 0x80 where the C sign-extends,
 * wrapping arithmetic), cfg80211's __le16_to_cpup(), mac80211's
 * drv_bss_info_changed handler. trace-cmd's report of it is the oracle.
 */
const here = path.dirname(new URL(import.meta.url).pathname);
const format = (name: string, system: string): EventFormat => parseEventFormat(fs.readFileSync(path.join(here, 'formats', `${name}.format`), 'latin1'), system, 8);

/** The CDBs: each a command's bytes (cmd_len is its length). */
const CDBS: number[][] = [
  [0x00, 0, 0, 0, 0, 0], // TEST_UNIT_READY: "-"
  [0x08, 0xff, 0x12, 0x34, 0x08, 0], // READ_6: 21-bit lba
  [0x28, 0xe0, 0x81, 0x02, 0x03, 0x04, 0, 0x01, 0x00, 0], // READ_10, lba's top byte >= 0x80 sign-extends
  [0x2a, 0x20, 0x00, 0x00, 0x10, 0x00, 0, 0x00, 0x08, 0], // WRITE_10
  [0x41, 0x08, 0x00, 0x00, 0x00, 0x01, 0, 0x00, 0x01, 0], // WRITE_SAME: unmap bit
  [0x2f, 0x00, 0x7f, 0xff, 0xff, 0xff, 0, 0x00, 0x10, 0], // VERIFY
  [0xa8, 0x00, 0x00, 0x00, 0x00, 0x10, 0x90, 0x00, 0x00, 0x01, 0, 0], // READ_12: txlen's top byte >= 0x80
  [0x88, 0x00, 0x00, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0, 0], // READ_16: low word's top bit
  [0x93, 0x08, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x00, 0x00, 0x00, 0x20, 0, 0], // WRITE_SAME_16 unmap
  [0x42, 0, 0, 0, 0, 0, 0, 0x00, 0x18, 0], // UNMAP: 24 bytes, one region
  [0x42, 0, 0, 0, 0, 0, 0, 0x00, 0x04, 0], // UNMAP shorter than its header: unsigned wrap
  [0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 0x20, 0, 0], // READ_CAPACITY_16
  [0x9e, 0x12, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0x10, 0, 0, 0], // GET_LBA_STATUS
  [0x9e, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // another service action: UNKNOWN
  [0x7f, 0, 0, 0, 0, 0, 0, 0x18, 0x00, 0x09, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x80, 0, 0, 1, 0, 0, 0, 0, 0x80, 0, 0, 8], // READ_32
  [0x7f, 0, 0, 0, 0, 0, 0, 0x18, 0x00, 0x0d, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], // WRITE_SAME_32 unmap
  [0x7f, 0, 0, 0, 0, 0, 0, 0x18, 0x18, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // another service action: "-"
];

function encoder(ev: EventFormat): (values: Record<string, FieldValue>) => Uint8Array {
  const enc = new RecordEncoder(ev, true);
  return (values) => enc.encode({ pid: 42, flags: 0, preempt: 0 }, ev.fields.map((f) => values[f.name]));
}

export async function writePluginFamiliesTrace(file: string): Promise<void> {
  const scsi = format('scsi_dispatch_cmd_start', 'scsi');
  const cfg = format('cfg80211_rx_mlme_mgmt', 'cfg80211');
  const mac = format('drv_bss_info_changed', 'mac80211');
  const w = await DatWriter.create(
    file,
    {
      headerPage: headerPageText(8, 4096),
      headerEvent: HEADER_EVENT_TEXT,
      ftraceFormats: [],
      systems: [scsi, cfg, mac].map((ev) => ({ system: ev.system, texts: [ev.text] })),
      kallsyms: '',
      printk: '',
      cmdlines: '42 kworker/0:1\n',
      cpus: 1,
      clock: 'local',
    },
    { version: 7, compression: 'zstd', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs: 77n * 1_000_000_000n },
  );
  let ts = 0;
  const put = (bytes: Uint8Array) => w.add(0, (ts += 1000), bytes);
  const scsiRec = encoder(scsi);
  for (const cdb of CDBS) put(scsiRec({ host_no: 2, channel: 0, id: 1, lun: 0, opcode: cdb[0], cmd_len: cdb.length, data_sglen: 1, prot_sglen: 0, prot_op: 0, cmnd: new Uint8Array(cdb) }));
  const cfgRec = encoder(cfg);
  for (const frame of [[0xd0, 0x00, 0x3a, 0x01], [0xb0, 0x08, 0, 0], [0x34, 0x12]]) put(cfgRec({ name: 'wlp2s0', ifindex: 3, frame: new Uint8Array(frame) }));
  const macRec = encoder(mac);
  put(macRec({ wiphy_name: 'phy0', vif_type: 2, vif_name: 'wlp2s0', changed: 0x1f, assoc: 1, aid: 5, cts: 0, shortpre: 1, shortslot: 1, dtimper: 3, bcnint: 100, assoc_cap: 0x431, basic_rates: 0, enable_beacon: 0, ht_operation_mode: 4 }));
  put(macRec({ wiphy_name: 'phy1', vif_type: 0xffffffff, vif_name: '', changed: 0, assoc: 0, aid: 0xffff, basic_rates: 0x15, ht_operation_mode: 0 }));
  await w.close();
}
