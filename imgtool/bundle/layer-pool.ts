import { Worker } from 'node:worker_threads';
import { UnpackInterrupted } from '../layer/apply-layer.ts';
import type { LowerDependencies } from '../layer/lower-dependencies.ts';
import type { FromWorker, LayerJob, ToWorker } from './layer-jobs.ts';

export type LayerOutcome = { kind: 'done'; deps: LowerDependencies } | { kind: 'needs-lowers' };

/**
 * Runs layer jobs on at most `concurrency` worker threads, each taking the next job when done.
 * The first failure (or `signal`) aborts the jobs under way between two chunks and starts no
 * more; the workers are always ended before this returns, so the caller may remove their
 * directories at once. Outcomes come back in job order.
 */
export async function runLayerJobs(jobs: readonly LayerJob[], concurrency: number, signal: AbortSignal | undefined, warn: (message: string) => void): Promise<LayerOutcome[]> {
  const outcomes: LayerOutcome[] = new Array(jobs.length);
  const workers: Worker[] = [];
  let next = 0;
  let failure: Error | undefined;
  const abortAll = () => {
    for (const w of workers) w.postMessage({ kind: 'abort' } satisfies ToWorker);
  };
  const fail = (err: Error) => {
    failure ??= err;
    abortAll();
  };
  const onAbort = () => fail(new UnpackInterrupted('interrupted; the partial bundle and layer were removed'));
  signal?.addEventListener('abort', onAbort);
  if (signal?.aborted) onAbort();

  const runWorker = async (worker: Worker) => {
    while (!failure && next < jobs.length) {
      const index = next++;
      const reply = await new Promise<FromWorker>((resolve, reject) => {
        // A worker that exits without answering (killed, out of memory) fails the job, not waits forever.
        const onExit = (code: number) => reject(new Error(`it exited with code ${code} during a job`));
        const onMessage = (m: FromWorker) => {
          if (m.kind === 'warn') return warn(m.message);
          worker.off('message', onMessage).off('error', reject).off('exit', onExit);
          resolve(m);
        };
        worker.on('message', onMessage).once('error', reject).once('exit', onExit);
        worker.postMessage({ kind: 'job', job: jobs[index]! } satisfies ToWorker);
      }).catch((err: Error) => ({ kind: 'failed' as const, message: `a layer worker failed: ${err.message}`, interrupted: false }));
      if (reply.kind === 'failed') fail(reply.interrupted ? new UnpackInterrupted(reply.message) : new Error(reply.message));
      else if (reply.kind === 'done' || reply.kind === 'needs-lowers') outcomes[index] = reply;
    }
  };

  try {
    const entry = workerEntry();
    for (let i = 0; i < Math.min(concurrency, jobs.length); i++) {
      const worker = new Worker(entry.script, { eval: entry.eval });
      // Between jobs too: an 'error' without a listener would end the whole process, cleanup unrun.
      worker.on('error', (err) => fail(new Error(`a layer worker failed: ${err.message}`)));
      workers.push(worker);
    }
    await Promise.all(workers.map(runWorker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure) throw failure;
  return outcomes;
}

/**
 * The worker's code: the bundle's own worker entry beside it (dist/tsimg-layer-worker.cjs), or,
 * run from source under tsx (the tests), layer-worker.ts through tsx, which a worker thread does
 * not inherit from its parent.
 */
function workerEntry(): { script: string | URL; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { script: new URL('./tsimg-layer-worker.cjs', here), eval: false };
  const source = JSON.stringify(new URL('./layer-worker.ts', here).href);
  return { script: `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${source}); })`, eval: true };
}
