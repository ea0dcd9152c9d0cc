/**
 * A worker thread that extracts overlay layers into the cache, one job at a time (layer-pool.ts
 * hands them out), so that the layers of an image are decompressed, hashed and written in
 * parallel: in one thread the hashing, tar parsing and file-system calls of every layer queue up
 * behind each other. Runs from dist/tsimg-layer-worker.cjs, or from source under tsx.
 */
import { parentPort } from 'node:worker_threads';
import { applyLayer, UnpackInterrupted } from '../layer/apply-layer.ts';
import { NeedsLowerLayers } from '../layer/lower-dependencies.ts';
import { applyPolicy, type FromWorker, type ToWorker } from './layer-jobs.ts';

const port = parentPort;
if (!port) throw new Error('layer-worker.ts runs as a worker thread');
const post = (message: FromWorker) => port.postMessage(message);
let current: AbortController | undefined;

port.on('message', (message: ToWorker) => {
  if (message.kind === 'abort') {
    current?.abort();
    return;
  }
  const { job } = message;
  current = new AbortController();
  const target = { dir: job.dir, format: 'overlay-layer' as const, lowerDirs: job.lowerDirs, deferLowers: job.deferLowers };
  const policy = applyPolicy(job.policy, (m) => post({ kind: 'warn', message: m }));
  applyLayer(job.blob, target, policy, { maxLayerBytes: job.maxLayerBytes, signal: current.signal }).then(
    (deps) => post({ kind: 'done', deps }),
    (err: unknown) => post(err instanceof NeedsLowerLayers
      ? { kind: 'needs-lowers' }
      : { kind: 'failed', message: err instanceof Error ? err.message : String(err), interrupted: err instanceof UnpackInterrupted }),
  );
});
