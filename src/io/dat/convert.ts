import type { EventBatch } from '../../core/batch.ts';
import type { Trace } from '../../core/trace.ts';
import { DatWriter, type DatWriteOptions } from './writer.ts';

export type DatFlavour = Pick<DatWriteOptions, 'version' | 'compression'>;

/** Which events go in: those of these CPUs, those `keep` takes (a filter built a layer up). */
export interface DatSelection {
  cpus?: ReadonlySet<number>;
  keep?: (b: EventBatch, i: number) => boolean;
}

/**
 * Writes any trace as a trace.dat: the same formats, symbols, printk strings
 * and comms, the events re-paged per CPU. Open a trace.dat with `rawTs` to
 * keep its time stamps as counts with the options that convert them (DATE,
 * OFFSET, TSC2NSEC, a guest's TIME_SHIFT), as trace-cmd convert does. Payload bytes are copied as they are,
 * so byte order and long sizes stay those of the source.
 */
export async function writeDatFrom(trace: Trace, path: string, flavour: DatFlavour, only: DatSelection = {}): Promise<{ events: number }> {
  const w = await datWriterFor(trace, path, flavour, { instances: true });
  const keep = only.keep;
  for (const b of trace.batches({ cpus: only.cpus })) {
    for (let i = 0; i < b.length; i++) {
      if (keep && !keep(b, i)) {
        const lost = b.lost?.get(i);
        if (lost !== undefined) w.markLost(b.cpu[i], lost, b.buffer[i]);
        continue;
      }
      copyEvent(w, b, i);
    }
  }
  const events = w.eventCount;
  await w.close();
  return { events };
}

/** Copies event i of a batch, with the count of events lost before it on its CPU. */
export function copyEvent(w: DatWriter, b: EventBatch, i: number): void {
  const lost = b.lost?.get(i);
  if (lost !== undefined) w.markLost(b.cpu[i], lost, b.buffer[i]);
  w.add(b.cpu[i], b.ts[i], b.data, b.off[i], b.size[i], b.buffer[i]);
}

/**
 * A writer for a trace.dat with `trace`'s metadata (formats, symbols, printk
 * strings, comms, options, byte order, long and page sizes, base second);
 * its instance buffers too when asked.
 */
export function datWriterFor(trace: Trace, path: string, flavour: DatFlavour, o: { instances?: boolean; compressInWorker?: boolean } = {}): Promise<DatWriter> {
  const systems = trace.formats.systems();
  const ftrace = systems.find((s) => s.system === 'ftrace')?.texts ?? [];
  const others = systems.filter((s) => s.system !== 'ftrace');
  const cpus = Math.max(trace.cpus, ...trace.buffers.flatMap((b) => b.cpus.map((c) => c + 1)), 1);
  const instances = o.instances ? trace.buffers.slice(1).map((b) => b.name) : [];
  return DatWriter.create(
    path,
    {
      headerPage: trace.headerPage,
      headerEvent: trace.headerEvent,
      ftraceFormats: ftrace,
      systems: others,
      kallsyms: trace.symbols.source,
      printk: trace.printk.source,
      cmdlines: trace.comms.source,
      cpus,
      clock: trace.clock,
      traceClock: trace.options.traceClock,
      uname: trace.options.uname,
      version: trace.options.version,
      provenance: trace.options.provenance,
      traceId: trace.options.traceId,
      cpuStats: trace.options.cpuStats,
      instances: instances.length ? instances : undefined,
      // a trace read with its stamps as recorded (rawTs) is written with what converts them,
      // as trace-cmd convert copies the options; converted stamps need none of it
      ...(trace.options.rawTs ? { date: trace.options.date, offset: trace.options.offset, tsc2nsec: trace.options.tsc2nsec, timeShift: trace.options.timeShiftSamples } : {}),
    },
    {
      ...flavour,
      bigEndian: trace.bigEndian,
      longSize: trace.longSize === 4 ? 4 : 8,
      kernelLongSize: trace.kernelLongSize === 4 ? 4 : 8,
      pageSize: trace.pageSize,
      baseNs: BigInt(trace.tsBaseSec) * 1_000_000_000n,
      compressInWorker: o.compressInWorker ?? true,
    },
  );
}
