import type { PrintFunction } from './print-function-api.ts';

/**
 * plugin_scsi.c (libtraceevent 1.7.1): scsi_trace_parse_cdb(p, cdb, len), the
 * text the scsi_dispatch_cmd_* print fmts show for a command's CDB. The C
 * shifts an unsigned char promoted to int: `cdb[k] << 24` of a byte >= 0x80
 * is negative and sign-extends when ORed into the 64-bit sector_t, and so it
 * does here.
 */

type Cdb = (k: number) => number;

/** (int)(b << 24) as an unsigned long: the sign extension the C gets. */
const hi24 = (b: number) => BigInt.asUintN(64, BigInt((b << 24) | 0));
/** Four bytes from k, big-endian, into a sector_t (the first one shifted as int). */
const be32 = (c: Cdb, k: number) => hi24(c(k)) | BigInt((c(k + 1) << 16) | (c(k + 2) << 8) | c(k + 3));
/** Four bytes from k into a u32. */
const u32 = (c: Cdb, k: number) => ((c(k) << 24) | (c(k + 1) << 16) | (c(k + 2) << 8) | c(k + 3)) >>> 0;
/** Eight bytes from k: the top four as u64, the low four as be32's ints. */
const be64 = (c: Cdb, k: number) => BigInt.asUintN(64, (BigInt(c(k)) << 56n) | (BigInt(c(k + 1)) << 48n) | (BigInt(c(k + 2)) << 40n) | (BigInt(c(k + 3)) << 32n) | be32(c, k + 4));

const READ_6 = 0x08, WRITE_6 = 0x0a, READ_10 = 0x28, WRITE_10 = 0x2a, VERIFY = 0x2f, WRITE_SAME = 0x41, UNMAP = 0x42;
const VARIABLE_LENGTH_CMD = 0x7f, READ_12 = 0xa8, WRITE_12 = 0xaa, VERIFY_12 = 0xaf, READ_16 = 0x88, WRITE_16 = 0x8a;
const VERIFY_16 = 0x8f, WRITE_SAME_16 = 0x93, SERVICE_ACTION_IN_16 = 0x9e;
const SAI_READ_CAPACITY_16 = 0x10, SAI_GET_LBA_STATUS = 0x12;
const READ_32 = 0x09, VERIFY_32 = 0x0a, WRITE_32 = 0x0b, WRITE_SAME_32 = 0x0d;

const serviceAction32 = (c: Cdb) => (c(8) << 8) | c(9);

function rw6(c: Cdb): string {
  const lba = ((c(1) & 0x1f) << 16) | (c(2) << 8) | c(3);
  return `lba=${lba} txlen=${c(4)}`;
}

function rw10(c: Cdb): string {
  const lba = be32(c, 2);
  const txlen = (c(7) << 8) | c(8);
  return `lba=${lba} txlen=${txlen} protect=${c(1) >> 5}` + (c(0) === WRITE_SAME ? ` unmap=${(c(1) >> 3) & 1}` : '');
}

function rw12(c: Cdb): string {
  return `lba=${be32(c, 2)} txlen=${be32(c, 6)} protect=${c(1) >> 5}`;
}

function rw16(c: Cdb): string {
  return `lba=${be64(c, 2)} txlen=${be32(c, 10)} protect=${c(1) >> 5}` + (c(0) === WRITE_SAME_16 ? ` unmap=${(c(1) >> 3) & 1}` : '');
}

function rw32(c: Cdb): string {
  const sa = serviceAction32(c);
  const cmd = sa === READ_32 ? 'READ' : sa === VERIFY_32 ? 'VERIFY' : sa === WRITE_32 ? 'WRITE' : sa === WRITE_SAME_32 ? 'WRITE_SAME' : null;
  if (!cmd) return 'UNKNOWN';
  const out = `${cmd}_32 lba=${be64(c, 12)} txlen=${be32(c, 28)} protect=${c(10) >> 5} ei_lbrt=${u32(c, 20)}`;
  return sa === WRITE_SAME_32 ? out + ` unmap=${(c(10) >> 3) & 1}` : out;
}

function unmap(c: Cdb): string {
  // unsigned int arithmetic: fewer than 8 bytes wrap around
  const regions = (c(7) << 8) | c(8);
  return `regions=${Math.floor(((regions - 8) >>> 0) / 16)}`;
}

function serviceActionIn(c: Cdb): string {
  const sa = c(1) & 0x1f;
  const cmd = sa === SAI_READ_CAPACITY_16 ? 'READ_CAPACITY_16' : sa === SAI_GET_LBA_STATUS ? 'GET_LBA_STATUS' : null;
  if (!cmd) return 'UNKNOWN';
  return `${cmd} lba=${be64(c, 2)} alloc_len=${u32(c, 10)}`;
}

function parseCdb(c: Cdb): string {
  switch (c(0)) {
    case READ_6:
    case WRITE_6:
      return rw6(c);
    case READ_10:
    case VERIFY:
    case WRITE_10:
    case WRITE_SAME:
      return rw10(c);
    case READ_12:
    case VERIFY_12:
    case WRITE_12:
      return rw12(c);
    case READ_16:
    case VERIFY_16:
    case WRITE_16:
    case WRITE_SAME_16:
      return rw16(c);
    case UNMAP:
      return unmap(c);
    case SERVICE_ACTION_IN_16:
      return serviceActionIn(c);
    case VARIABLE_LENGTH_CMD: {
      const sa = serviceAction32(c);
      return sa === READ_32 || sa === VERIFY_32 || sa === WRITE_32 || sa === WRITE_SAME_32 ? rw32(c) : '-';
    }
    default:
      return '-';
  }
}

/** process_scsi_trace_parse_cdb(): the text for the CDB its second argument points to; returns 0. */
export const scsiTraceParseCdb: PrintFunction = {
  params: 3,
  call: (_args, mem) => {
    const cdb = mem(1);
    // a CDB that is not in the record: trace-cmd would read unmapped memory
    return { value: 0n, text: cdb ? parseCdb(cdb) : '' };
  },
};
