// Preloaded by test/cli/young-generation.test.ts: the size of V8's young generation when the process ends, on stderr.
import { writeSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

process.on('exit', () => {
  const s = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
  writeSync(2, `[new_space] ${s ? s.space_size : -1}\n`);
});
