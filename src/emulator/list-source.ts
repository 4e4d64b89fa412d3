import { loadCatalog } from '../core/catalog.ts';
import { codecVersions } from '../io/dat/codecs.ts';
import { SymbolTable } from '../core/symbols.ts';
import { textSymbols, type ListSource } from '../io/text/list-text.ts';
import { buildKernelSymbols } from './kernel-symbols.ts';
import { kernelProfile, missingSystems } from './kernel-version.ts';

/**
 * The emulated kernel as `tracelab list` shows it (what `tracelab record`
 * can enable): the catalog's formats less the systems this version lacks,
 * the functions of its kallsyms, its one clock, no instances.
 */
export function emulatedListSource(version: string): ListSource {
  const skip = new Set(missingSystems(kernelProfile(version)).map((x) => x.system));
  return {
    formats: loadCatalog()
      .formats.headers()
      .filter(({ system }) => !skip.has(system)),
    functions: () => textSymbols(new SymbolTable(buildKernelSymbols().kallsyms)),
    // record writes its traces with the local clock (the only one the emulator models)
    clock: '[local]',
    buffers: [],
    compression: codecVersions(),
  };
}
