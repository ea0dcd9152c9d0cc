/**
 * tsimg gc: deletes blobs no name reaches, and temp files of writes that died. Runs under the index lock;
 * while another tsimg is writing (an ingest/active-* mark whose process lives), blobs newer than the oldest
 * such mark are kept, since that writer will reference them once it is done.
 */
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { type GlobalOptions, openStore, printJson } from '../cli/global-options.ts';
import { humanBytes } from '../cli/human-size.ts';
import { ACTIVE_PREFIX, type OciStore } from '../store/layout.ts';
import { reachableBlobs } from '../store/reachable.ts';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Removes dead writers' leftovers; returns the start time of the oldest live writer (or Infinity). */
function sweepIngest(store: OciStore): number {
  let oldestLive = Infinity;
  let entries: string[] = [];
  try {
    entries = readdirSync(store.ingestDir);
  } catch {
    return oldestLive;
  }
  for (const entry of entries) {
    const path = join(store.ingestDir, entry);
    const pid = entry.startsWith(ACTIVE_PREFIX) ? Number(readFileSync(path, 'utf8')) : Number(entry.split('.')[1]);
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
      if (entry.startsWith(ACTIVE_PREFIX)) oldestLive = Math.min(oldestLive, statSync(path).mtimeMs);
      continue;
    }
    rmSync(path, { force: true });
  }
  return oldestLive;
}

export async function collectGarbage(store: OciStore): Promise<{ removed: string[]; freed: number }> {
  return store.updateIndex((index) => {
    const keep = reachableBlobs(store, index.manifests);
    const writersSince = sweepIngest(store);
    const removed: string[] = [];
    let freed = 0;
    for (const digest of store.listBlobs()) {
      if (keep.has(digest)) continue;
      const st = statSync(store.blobPath(digest));
      if (st.mtimeMs >= writersSince - 1000) continue;
      store.removeBlob(digest);
      removed.push(digest);
      freed += st.size;
    }
    return { removed, freed };
  });
}

export const gcCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'gc',
  describe: 'delete blobs that no image name references',
  handler: async (args) => {
    const result = await collectGarbage(openStore(args));
    if (args.format === 'json') printJson(result);
    else if (!args.quiet) process.stdout.write(`removed ${result.removed.length} blobs, ${humanBytes(result.freed)}\n`);
  },
};
