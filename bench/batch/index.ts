/**
 * The Batch API bench: accepting a 50,000-line batch (time, longest event-loop block, peak
 * memory), and chats waiting during a 2,000-request batch under FIFO, strict priority and LM Queue.
 */
import { runBatchAccept, type AcceptResult } from './batch-accept';
import { runBatchInteractive, type InteractiveResult } from './batch-interactive';

export interface BatchBenchResult {
  mode: 'quick' | 'full';
  startedAt: string;
  accept: AcceptResult;
  interactiveWait: InteractiveResult;
}

export async function runBatchBench(options: { quick: boolean; log: (line: string) => void }): Promise<BatchBenchResult> {
  const startedAt = new Date().toISOString();
  options.log('accepting a 50,000-line batch file');
  const accept = await runBatchAccept(50_000);
  options.log(`  upload ${accept.uploadSeconds} s; accepted in ${accept.acceptSeconds} s (the engine alone, same run: ${accept.engineOnlySeconds} s); longest event-loop block ${accept.longestBlockMs} ms; peak RSS ${accept.peakRssMb} MB (from ${accept.rssBeforeMb} MB)`);
  options.log('chats during a 2,000-request batch: FIFO, strict priority, LM Queue');
  const interactiveWait = await runBatchInteractive(options);
  return { mode: options.quick ? 'quick' : 'full', startedAt, accept, interactiveWait };
}
