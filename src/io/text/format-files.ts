import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../core/errors.ts';

/**
 * Event format files a user gives for text traces: a file as the kernel shows
 * it (events/SYSTEM/EVENT/format, or SYSTEM/EVENT.format), or a folder of
 * them. The system comes from the path; several formats in one file are split.
 */
export function loadFormatFiles(paths: readonly string[]): { system: string; text: string }[] {
  const out: { system: string; text: string }[] = [];
  const visit = (p: string, depth: number) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new UserError(`${p}: no such format file or folder`);
    }
    if (st.isDirectory()) {
      if (depth > 4) return;
      for (const e of fs.readdirSync(p).sort()) visit(path.join(p, e), depth + 1);
      return;
    }
    const base = path.basename(p);
    if (depth > 0 && base !== 'format' && !base.endsWith('.format')) return;
    const system = base === 'format' ? path.basename(path.dirname(path.dirname(p))) : path.basename(path.dirname(p));
    const text = fs.readFileSync(p, 'latin1');
    if (!/^name: /m.test(text)) throw new UserError(`${p}: not an event format file (expected "name:", "ID:", "format:" lines)`);
    for (const one of text.split(/\n(?=name: )/)) out.push({ system, text: one.endsWith('\n') ? one : one + '\n' });
  };
  for (const p of paths) visit(p, 0);
  return out;
}
