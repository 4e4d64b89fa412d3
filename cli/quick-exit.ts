/**
 * Ends the process once a command is done, when nothing else is pending.
 *
 * Left to itself, Node runs the event loop dry and then waits for every task
 * queued on V8's helper thread (NodePlatform::DrainTasks, Node 20): at the end
 * of a command those are optimizing compiles of functions that grew hot late,
 * whose code will never run. process.exit() drops the queued ones (the platform
 * stops its thread after the task in hand). Measured on 2 cores, hyperfine, 15
 * runs each: `hist` of real-ipi-v6.dat 233 -> 207 ms, `report` of it 272 -> 253
 * ms (the last output byte to the process's end: 34-50 ms -> 6-13 ms); the
 * 21-event trace's report 135 against 137 ms.
 *
 * Only when the command left nothing running: no server, socket, timer, child,
 * worker or file request, and no bytes waiting in process.stdout/stderr (writes
 * to pipes are asynchronous on some systems). Not work: a TTY handle for stdio,
 * and the close of a file the ESM loader read a module from (its CloseReq can
 * still be on the thread pool here; tracelab itself closes files synchronously).
 * 'exit' handlers still run (temporary files are removed).
 */
const NOT_WORK = new Set(['TTYWrap', 'CloseReq']);

export function exitIfIdle(): void {
  const busy = process.getActiveResourcesInfo().some((r) => !NOT_WORK.has(r));
  if (busy || process.stdout.writableLength || process.stderr.writableLength) return;
  process.exit();
}
