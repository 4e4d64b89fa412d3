import * as fs from 'node:fs';
import { openTrace } from './src/io/open.ts';
const f = process.argv[2];
const size = fs.statSync(f).size;
for (let k = 0; k < 2; k++) {
  const t0 = performance.now();
  const t = await openTrace(f);
  const dt = (performance.now() - t0) / 1000;
  let n = 0;
  for (const b of t.batches()) n += b.length;
  console.log(`${n} events, ${(size / 1e6).toFixed(0)} MB in ${dt.toFixed(2)} s = ${(size / 1e6 / dt).toFixed(0)} MB/s`);
}
