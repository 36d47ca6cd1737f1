/** `tsx bench/report/cli.ts [--dir DIR]`: regenerates SUMMARY.md and its charts from the result files. */
import { parseArgs } from 'node:util';
import { RESULTS_DIR } from './results-store';
import { writeSummary } from './summary';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
console.log(`wrote ${writeSummary(values.dir ?? RESULTS_DIR)}`);
