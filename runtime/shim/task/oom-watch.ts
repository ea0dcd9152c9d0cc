import type { OomCounter } from '../../container/container-events.ts';

/**
 * The shim's watch for OOM kills in its tasks' memory cgroups. containerd wants TaskOOM when the
 * kernel's OOM killer acts in a container, and before that task's TaskExit. The counters are
 * looked at on one timer for all tasks (a small file read per task each round: no thread or
 * descriptor per container, as an eventfd per cgroup would take in Node) and once more right
 * before a task's exit is published, so that an init killed for memory reports its OOM first.
 */
export class OomWatch {
  private readonly watched = new Map<string, { counter: OomCounter; onOom: () => void }>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly intervalMs: number) {}

  watch(key: string, counter: OomCounter, onOom: () => void): void {
    this.watched.set(key, { counter, onOom });
    // unref: an idle shim's exit is decided by its task count, not by this timer.
    this.timer ??= setInterval(() => { for (const k of this.watched.keys()) this.check(k); }, this.intervalMs).unref();
  }

  /** Reports kills since the last look: one TaskOOM per look that found any, as the runc shim's eventfd wakes once for several. */
  check(key: string): void {
    const w = this.watched.get(key);
    if (!w) return;
    let kills = 0;
    try { kills = w.counter.newKills(); } catch { /* the cgroup went away */ }
    if (kills > 0) w.onOom();
  }

  unwatch(key: string): void {
    this.watched.delete(key);
    if (this.watched.size === 0 && this.timer) { clearInterval(this.timer); this.timer = undefined; }
  }
}
