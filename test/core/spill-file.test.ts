import * as fs from 'node:fs';
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { SpillFile } from '../../src/core/spill-file.ts';

/** This process's spill files of a kind (other test workers share the temporary folder). */
const mine = (kind: string) => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`tracelab-${kind}-${process.pid}-`));

describe('SpillFile: a temporary file for what passes a memory budget', () => {
  it('reads back what it wrote (a change too), is made on the first write only, and is removed when closed', () => {
    const f = new SpillFile('spilltest');
    expect(mine('spilltest')).toEqual([]);
    const a = f.append(new Float64Array([1.5, 2.5]));
    const b = f.append(new Uint8Array([7, 8, 9]));
    expect([a, b, f.size]).toEqual([0, 16, 19]);
    f.writeAt(8, new Float64Array([-4]));
    const d = new Float64Array(2);
    f.readAt(0, d);
    const u = new Uint8Array(3);
    f.readAt(16, u);
    expect([...d, ...u]).toEqual([1.5, -4, 7, 8, 9]);
    expect(mine('spilltest')).toHaveLength(1);
    f.close();
    expect(mine('spilltest')).toEqual([]);
  });

  it("many open at once (a writer's CPUs past their budget) add one exit listener between them, and none once closed", () => {
    const before = process.listenerCount('exit');
    const files = Array.from({ length: 20 }, () => new SpillFile('spilltest'));
    for (const f of files) f.append(new Uint8Array(4));
    expect(process.listenerCount('exit')).toBe(before + 1);
    expect(mine('spilltest')).toHaveLength(20);
    for (const f of files) f.close();
    expect(process.listenerCount('exit')).toBe(before);
    expect(mine('spilltest')).toEqual([]);
  });
});
