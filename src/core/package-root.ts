import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The tracelab package folder (works from src/ under tsx and from dist/ when built). */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'tracelab') return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the tracelab package folder');
    dir = up;
  }
}

/** The tracelab version (package.json), as recorded traces name it. */
export function tracelabVersion(): string {
  return String(JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version);
}
