import { SingleBar } from 'cli-progress';

/**
 * A progress bar with rate on a TTY; nothing when stderr is piped or redirected.
 * Returns the update callback and a stop function.
 */
export function progressBar(label: string, unit: string): { update: (done: number, total: number, count: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {percentage}% | {done} | {rate} ${unit}/s`,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
  });
  const start = Date.now();
  let started = false;
  return {
    update(done, total, count) {
      const secs = Math.max((Date.now() - start) / 1000, 1e-3);
      const payload = { done: `${(done / 1e9).toFixed(1)} s of ${(total / 1e9).toFixed(0)} s simulated`, rate: Math.round(count / secs).toLocaleString('en-US') };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
