import { headerPageText, HEADER_EVENT_TEXT } from '../../src/core/format-writer.ts';
import { DatWriter, type DatMeta } from '../../src/io/dat/writer.ts';

/**
 * A trace.dat writer for the generated oracle traces: x86-64 headers, v7 zstd,
 * 4 KiB pages, the given metadata over empty defaults, time stamps from `baseNs`.
 */
export function testDat(file: string, meta: Partial<DatMeta> & Pick<DatMeta, 'systems'>, baseNs: bigint, version: 6 | 7 = 7): Promise<DatWriter> {
  return DatWriter.create(
    file,
    { headerPage: headerPageText(8, 4096), headerEvent: HEADER_EVENT_TEXT, ftraceFormats: [], kallsyms: '', printk: '', cmdlines: '', cpus: 1, clock: 'local', ...meta },
    { version, compression: version === 7 ? 'zstd' : 'none', bigEndian: false, longSize: 8, kernelLongSize: 8, pageSize: 4096, baseNs },
  );
}
