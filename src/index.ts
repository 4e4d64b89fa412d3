/**
 * tracelab's library: `import { openTrace, interference } from 'tracelab'`.
 * Readers, printers, filters, the analyses and the emulated kernel; the
 * charts (vega, heavy to load) are `import ... from 'tracelab/charts'`.
 * The CLI is a thin layer over these same functions.
 */

// traces: one interface for trace.dat, report text, kernel text, systrace HTML
export type { Trace, BatchOptions, BufferInfo, TraceOptions, TraceKind } from './core/trace.ts';
export { EventBatch } from './core/batch.ts';
export type { EventFormat, FieldFormat } from './core/event-format.ts';
export { openTrace } from './io/open.ts';
export { openDat, type DatTrace } from './io/dat/reader.ts';
export { DatWriter, type DatMeta, type DatWriteOptions } from './io/dat/writer.ts';
export { splitDat, splitFileName, type SplitOptions, type SplitUnit } from './io/dat/split.ts';
export { writeDatFrom, type DatFlavour, type DatSelection } from './io/dat/convert.ts';
export { dumpDat, DumpItem, DUMP_ALL, type DumpOptions, type DumpItemName } from './io/dat/dump.ts';
export { loadFormatFiles } from './io/text/format-files.ts';
export { UserError, FormatError, TruncatedError } from './core/errors.ts';
export { parseCpuList, formatCpuList } from './core/cpulist.ts';
export type { OpenDatOptions } from './io/dat/reader.ts';

// printing exactly as trace-cmd report (and the kernel's trace file) does
export { printReport, printReports, type ReportOptions, type ReportInput, type ReportKeep } from './io/text/report-printer.ts';
export { printFtrace } from './io/text/ftrace-printer.ts';
export { pluginOption, pluginOptions } from './printfmt/plugins.ts';
// what trace-cmd report prints instead of events (-e, -f, -P, -E, --cpus, --stat, --uname, --version, --check-events)
export { endianText, functionsText, printkText, eventsText, checkEventsStatus, cpusText, statText, unameText, versionText } from './io/text/report-modes.ts';
export { verboseLevel, verboseLog, LOG_LEVELS, type VerboseLog, type VerboseOptions } from './io/text/report-verbose.ts';
// trace-cmd list, of a trace or of the emulated kernel
export { listText, traceListSource, type ListSource, type ListOptions } from './io/text/list-text.ts';
export { emulatedListSource } from './emulator/list-source.ts';

// filters: the kernel's event filter language, and report -F selections
export { compileKernelFilter, FilterError, type CompiledFilter, type FilterContext } from './filter/kernel-filter.ts';
export { buildEventSelection, type EventFilterArg } from './filter/trace-filter.ts';
export { buildReportSelection, pidFilter, reportFilterStrings } from './filter/report-filter.ts';
export { bre } from './filter/trace-filter.ts';
export { checkFilter, type CheckRequest } from './filter/check.ts';
export { compileTepFilter, TepFilterError } from './filter/tep-filter.ts';

// analyses: each returns { table (arquero), summary }
export { hist, interference, interferenceOverTime, ipiCausality, functionTable, noise, isolationViolations, type Report, type HistOptions, type HistSummary } from './analysis/arquero-reports.ts';
export { histColumns } from './analysis/hist-counts.ts';
export { Columns, type TableLike, type ColumnsReport } from './analysis/columns.ts';
export { interferenceColumns, interferenceOverTimeColumns, type InterferenceOptions, type InterferenceSummary, type CpuInterference } from './analysis/interference.ts';
export { noiseColumns, episodeClasses, type NoiseOptions, type NoiseSummary, type CpuNoise } from './analysis/noise.ts';
export { ipiCausalityColumns, functionColumns, type IpiCausalityOptions, type IpiCausalitySummary, type IpiRow } from './analysis/ipi-causality.ts';
export { compare, type CompareOptions, type CompareSummary } from './analysis/compare.ts';
export { checkTrace, type CheckResult } from './analysis/check.ts';
export { isolationViolationsColumns, type IsolationViolationsOptions, type IsolationViolationsSummary, type Violation } from './analysis/isolation-violations.ts';
export { rcuTasksGracePeriods, type RcuTasksSummary, type TasksGracePeriod } from './analysis/rcu-tasks.ts';
export { uprobeCost, type UprobeCostSummary } from './analysis/uprobe-cost.ts';
export { rcuWatching, type RcuWatchingSummary } from './analysis/rcu-watching.ts';
export { rcuReport } from './analysis/rcu-report.ts';
export { eventTable, type TableOptions } from './analysis/table.ts';
export { eventTimeline } from './analysis/timeline.ts';
export { irqOffSpans, rcuGracePeriods, probeHits, type Distribution } from './analysis/spans.ts';
export { viewData, viewFilterMatches, type ViewData } from './analysis/view-data.ts';
export { reportEventTexts } from './io/text/report-printer.ts';
export { sql, sqlSchema, writeDataset, type SqlInput, type SqlOptions, type SqlResult, type SqlValue, type MergedTable } from './analysis/sql.ts';
export { exportEvents, exportFormat, type ExportFormat } from './analysis/export.ts';
export { tableCsv } from './analysis/csv.ts';
export { scan, type Selection, type ScanInfo } from './analysis/scan.ts';
export { traceProfile, parseProfileHook, type ProfileOptions, type ProfileHook } from './analysis/trace-profile.ts';
export type { CpuUserTime } from './analysis/user-time.ts';
export type { CpuDeferredWork } from './analysis/deferred-work.ts';

// the emulated kernel
export { record, recordTrace, tempDatPath, type RecordOptions, type RecordSummary } from './emulator/record.ts';
export { preset, presetNames, PRESETS, loadScenario, applySets, parseDuration, type Scenario } from './emulator/scenario.ts';
export type { EventSpec } from './emulator/tracing.ts';
export { KERNEL_VERSIONS, type KernelVersion } from './emulator/kernel-version.ts';

// outputs: written whole under a temporary name, then renamed; a command line quoted for a shell
export { writeAtomically, writeFileAtomically } from './core/atomic-file.ts';
export { writeAll } from './core/write-all.ts';
export { shellLine } from './core/shell-quote.ts';
