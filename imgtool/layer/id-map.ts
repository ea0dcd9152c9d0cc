/** One `container:host:size` range of --uid-map / --gid-map, as in umoci and newuidmap. */
export interface IdRange {
  container: number;
  host: number;
  size: number;
}

export function parseIdMap(text: string, flag: string): IdRange {
  const m = /^(\d+):(\d+):(\d+)$/.exec(text);
  if (!m || Number(m[3]) === 0) throw new Error(`${flag} ${JSON.stringify(text)}: expected container:host:size with a size above 0, e.g. 0:100000:65536`);
  return { container: Number(m[1]), host: Number(m[2]), size: Number(m[3]) };
}

/** Maps an id from the image to the host; an id outside every range is an error (it has no owner). */
export function mapId(ranges: readonly IdRange[], id: number, kind: 'uid' | 'gid'): number {
  if (ranges.length === 0) return id;
  for (const r of ranges) if (id >= r.container && id < r.container + r.size) return r.host + (id - r.container);
  throw new Error(`${kind} ${id} is outside the --${kind}-map ranges; add a range that covers it`);
}
