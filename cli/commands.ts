import * as fs from 'node:fs';
import { Command, Option } from 'commander';

/** Each command's module, loaded when the command runs (one chunk each in the bundle). */
const chart = () => import('./chart.ts');
export const COMMANDS: Record<string, () => Promise<{ register(p: Command): void }>> = {
  report: () => import('./report.ts'),
  dump: () => import('./dump.ts'),
  split: () => import('./split.ts'),
  list: () => import('./list.ts'),
  filter: () => import('./filter.ts'),
  record: () => import('./record.ts'),
  scenarios: () => import('./scenarios.ts'),
  hist: () => import('./hist.ts'),
  interference: () => import('./interference.ts'),
  ipi: () => import('./ipi.ts'),
  noise: () => import('./noise.ts'),
  compare: () => import('./compare.ts'),
  convert: () => import('./convert.ts'),
  demo: () => import('./demo.ts'),
  chart,
  review: chart,
  check: () => import('./check.ts'),
  violations: () => import('./violations.ts'),
  rcu: () => import('./rcu.ts'),
  uprobes: () => import('./uprobes.ts'),
  sql: () => import('./sql.ts'),
  view: () => import('./view.ts'),
};

/** One line of `tracelab --help`: what commander needs to print it as the command itself would. */
export interface CommandEntry {
  name: string;
  args: string[];
  hasOptions: boolean;
  description: string;
}

/** The file the build writes beside the bundled CLI. */
export const TABLE_FILE = 'commands.json';

/** Every command as registered by its module, in help order (the build writes this table). */
export async function commandTable(): Promise<CommandEntry[]> {
  const program = new Command();
  const loaded = new Set<unknown>();
  for (const load of Object.values(COMMANDS)) {
    if (loaded.has(load)) continue;
    loaded.add(load);
    (await load()).register(program);
  }
  return program.commands.map((c) => ({
    name: c.name(),
    args: c.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`)),
    hasOptions: c.options.length > 0,
    description: c.description(),
  }));
}

/**
 * Registers a stand-in for each command from the build's table (name,
 * arguments, description: what the command list shows), so `tracelab --help`
 * loads no command's module. False when there is no table (not built).
 */
export function registerFromTable(program: Command): boolean {
  // the test that the table says what the modules say turns it off
  if (process.env.TRACELAB_NO_COMMAND_TABLE) return false;
  let table: CommandEntry[];
  try {
    table = JSON.parse(fs.readFileSync(new URL(TABLE_FILE, import.meta.url), 'utf8')) as CommandEntry[];
  } catch {
    return false;
  }
  for (const e of table) {
    const c = program.command(e.name).description(e.description);
    for (const a of e.args) c.argument(a);
    if (e.hasOptions) c.addOption(new Option('--stand-in').hideHelp());
  }
  return true;
}
