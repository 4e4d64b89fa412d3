/**
 * tracelab's pictures and texts for a review: `import ... from 'tracelab/charts'`.
 * Separate from the main surface because vega and its renderers take a while to load.
 */
export { histSpec, compareSpec, interferenceSpec, heatmapSpec, irqOffSpec, timelineSpec } from './specs.ts';
export { toSVG, toPNG, htmlPage, writeChart } from './render.ts';
export { reviewPage, type ReviewOptions } from './review.ts';
export { interferenceText, noiseText, ipiText } from './interference-text.ts';
export { violationsText } from './violations-text.ts';
export { rcuText, rcuTasksText, rcuWatchingText } from './rcu-tasks-text.ts';
export { uprobeCostText } from './uprobe-cost-text.ts';
export { compareText } from './compare-text.ts';
export { textTable, textBars, usText } from './text-table.ts';
export { sqlResultText, sqlResultCsv, sqlResultJson, sqlSchemaText } from './sql-text.ts';
export { showTable, showText, showChart, type Displayable } from './notebook.ts';
export { compareMail, interferenceMail, histMail } from './mail-text.ts';
export { viewerPage, viewerReaderScript, type ViewerOptions, type ViewerTrace } from './viewer-page.ts';
