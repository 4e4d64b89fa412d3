import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEventFormat, type EventFormat } from '../../src/core/event-format.ts';
import { formatText } from '../../src/core/format-writer.ts';
import { RecordEncoder, type FieldValue } from '../../src/core/record-encoder.ts';
import { ROOT } from '../oracles.ts';
import { testDat } from './test-dat.ts';

/**
 * Events of the plugin families no real trace here has, with the formats of
 * real 5.15 kernels (test/printfmt/formats/, from recordings): scsi's CDB
 * decoding (every command it knows, bytes >= 0x80 where the C sign-extends,
 * wrapping arithmetic), cfg80211's __le16_to_cpup(), mac80211's
 * drv_bss_info_changed handler, kvm's emulate_insn, nested vmexit and kvmmmu
 * role handlers and is_writable_pte(). trace-cmd's report of it is the oracle.
 */
const format = (name: string, system: string): EventFormat => parseEventFormat(fs.readFileSync(path.join(ROOT, 'test/printfmt/formats', `${name}.format`), 'latin1'), system, 8);

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
  const kvm = ['kvm_emulate_insn', 'kvm_nested_vmexit', 'kvm_nested_vmexit_inject'].map((n) => format(n, 'kvm'));
  const mmu = ['kvm_mmu_get_page', 'kvm_mmu_sync_page', 'kvm_mmu_prepare_zap_page'].map((n) => format(n, 'kvmmmu'));
  const pte = parseEventFormat(formatText({ name: 'pte_ev', id: 3000, fields: [{ type: 'u64', name: 'spte', size: 8 }], printFmt: '"spte=%llx w=%d", REC->spte, is_writable_pte(REC->spte)' }, 8), 'kvmmmu', 8);
  const w = await testDat(file, { systems: [scsi, cfg, mac, ...kvm, ...mmu, pte].map((ev) => ({ system: ev.system, texts: [ev.text] })), cmdlines: '42 kworker/0:1\n' }, 77n * 1_000_000_000n);
  let ts = 0;
  const put = (bytes: Uint8Array) => w.add(0, (ts += 1000), bytes);
  const scsiRec = encoder(scsi);
  for (const cdb of CDBS) put(scsiRec({ host_no: 2, channel: 0, id: 1, lun: 0, opcode: cdb[0], cmd_len: cdb.length, data_sglen: 1, prot_sglen: 0, prot_op: 0, cmnd: new Uint8Array(cdb) }));
  const cfgRec = encoder(cfg);
  for (const frame of [[0xd0, 0x00, 0x3a, 0x01], [0xb0, 0x08, 0, 0], [0x34, 0x12]]) put(cfgRec({ name: 'wlp2s0', ifindex: 3, frame: new Uint8Array(frame) }));
  const macRec = encoder(mac);
  put(macRec({ wiphy_name: 'phy0', vif_type: 2, vif_name: 'wlp2s0', changed: 0x1f, assoc: 1, aid: 5, cts: 0, shortpre: 1, shortslot: 1, dtimper: 3, bcnint: 100, assoc_cap: 0x431, basic_rates: 0, enable_beacon: 0, ht_operation_mode: 4 }));
  put(macRec({ wiphy_name: 'phy1', vif_type: 0xffffffff, vif_name: '', changed: 0, assoc: 0, aid: 0xffff, basic_rates: 0x15, ht_operation_mode: 0 }));
  const [insn, nested, inject] = kvm.map(encoder);
  const bytes15 = String.fromCharCode(0x0f, 0x01, 0xd9, 0x48, 0x89, 0xe5, 0x90, 0x90, 0x90, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc);
  put(insn({ rip: 0xffffffff81234567n, csbase: 0, len: 3, insn: bytes15, flags: 0xd, failed: 0 }));
  put(insn({ rip: 0x7c00n, csbase: 0xf000, len: 15, insn: bytes15, flags: 0, failed: 1 }));
  put(nested({ exit_reason: 30, guest_rip: 0xffffffff81000000n, isa: 1, info1: 1n, info2: 2n, intr_info: 3, error_code: 4, vcpu_id: 1 }));
  put(inject({ exit_code: 1, exit_info1: 0xabcn, exit_info2: 0n, exit_int_info: 0x80000b0e, exit_int_info_err: 0, isa: 1 }));
  put(inject({ exit_code: 0x60, exit_info1: 0n, exit_info2: 0n, exit_int_info: 0, exit_int_info_err: 0, isa: 2 }));
  put(inject({ exit_code: 12345, exit_info1: 0n, exit_info2: 0n, exit_int_info: 0, exit_int_info_err: 0, isa: 1 }));
  const [getPage, syncPage, zapPage] = mmu.map(encoder);
  // roles: level 4, cr4_pae, quadrant 2, direct, access wux, nxe, cr0_wp, smm; then everything else, then nothing
  put(getPage({ mmu_valid_gen: 1, gfn: 0x12345n, role: 4 | (1 << 4) | (2 << 5) | (1 << 7) | (7 << 8) | (1 << 12) | (1 << 13) | (1 << 24), root_count: 2, unsync: 0, created: 1 }));
  put(getPage({ mmu_valid_gen: 1, gfn: 0x1n, role: 1 | (1 << 11) | (1 << 14) | (1 << 15) | (5 << 8), root_count: 0, unsync: 1, created: 0 }));
  put(syncPage({ mmu_valid_gen: 0, gfn: 0x99n, role: 0, root_count: 0xffffffff, unsync: 0 }));
  put(zapPage({ mmu_valid_gen: 0, gfn: 0x77n, role: 3 | (2 << 8), root_count: 1, unsync: 1 }));
  const pteRec = encoder(pte);
  for (const v of [0x8000000000000067n, 0x5n]) put(pteRec({ spte: v }));
  await w.close();
}
