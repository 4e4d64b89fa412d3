import type { Trace } from '../../core/trace.ts';
import { DatWriter, type DatWriteOptions } from './writer.ts';

/**
 * Writes a large trace.dat by repeating a real trace's events back to back
 * (times shifted by the trace's span each round): realistic event mixes at any
 * size, for benchmarks and memory tests.
 */
export async function replicateDat(trace: Trace, path: string, rounds: number, flavour: Pick<DatWriteOptions, 'version' | 'compression'>): Promise<{ events: number }> {
  const systems = trace.formats.systems();
  const batches = [...trace.batches()];
  let first = Infinity;
  let last = -Infinity;
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) {
      first = Math.min(first, b.ts[i]);
      last = Math.max(last, b.ts[i]);
    }
  }
  const span = Math.ceil(last - first + 1000);
  const w = await DatWriter.create(
    path,
    {
      headerPage: trace.headerPage,
      headerEvent: trace.headerEvent,
      ftraceFormats: systems.find((s) => s.system === 'ftrace')?.texts ?? [],
      systems: systems.filter((s) => s.system !== 'ftrace'),
      kallsyms: trace.symbols.source,
      printk: trace.printk.source,
      cmdlines: trace.comms.source,
      cpus: trace.cpus,
      clock: trace.clock,
    },
    {
      ...flavour,
      bigEndian: trace.bigEndian,
      longSize: trace.longSize === 4 ? 4 : 8,
      kernelLongSize: trace.kernelLongSize === 4 ? 4 : 8,
      pageSize: trace.pageSize,
      baseNs: BigInt(trace.tsBaseSec) * 1_000_000_000n,
      compressInWorker: true,
    },
  );
  for (let r = 0; r < rounds; r++) {
    const shift = r * span;
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) w.add(b.cpu[i], b.ts[i] + shift, b.data, b.off[i], b.size[i], b.buffer[i]);
    }
  }
  const events = w.eventCount;
  await w.close();
  return { events };
}
