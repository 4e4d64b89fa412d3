import type { Command } from 'commander';
import { PRESETS } from '../src/index.ts';

export function register(program: Command): void {
  program
    .command('scenarios')
    .description('list the emulator\'s scenario presets')
    .action(() => {
      const w = Math.max(...Object.keys(PRESETS).map((n) => n.length));
      for (const [name, p] of Object.entries(PRESETS)) process.stdout.write(`${name.padEnd(w)}  ${p.description}\n`);
    });
}
