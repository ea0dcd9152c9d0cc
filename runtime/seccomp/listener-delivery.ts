import { Buffer } from 'node:buffer';
import { resolve } from 'node:path';
import type { RuntimeConfig } from '../../spec/types.ts';
import { TsrunError } from '../cli/errors.ts';
import { closeFd, connectUnix, receiveFd, sendFd, socketPair } from '../fd-passing/unix-socket-calls.ts';

/**
 * A seccomp listener's way from the container to the agent at linux.seccomp.listenerPath, as
 * runc does it: the helper installs the filter with SECCOMP_FILTER_FLAG_NEW_LISTENER and sends the
 * descriptor back to tsrun over a socketpair; tsrun connects to the agent's socket and sends the
 * container process state (config-linux.md) with the descriptor, once per connection, then closes.
 */
export class SeccompListenerDelivery {
  /** the end the helper inherits and sends the listener descriptor on */
  readonly helperEnd: number;
  private readonly ownEnd: number;

  constructor(private readonly listenerPath: string, private readonly metadata: string | undefined) {
    [this.ownEnd, this.helperEnd] = socketPair();
  }

  /** After the helper has started: its copy is the only one left, so a dead helper shows as EOF. */
  helperStarted(): void {
    closeFd(this.helperEnd);
  }

  /** Once the container reported ready (the filter is installed by then): hand the listener over. */
  deliver(pid: number, state: Record<string, unknown>): void {
    const fd = receiveFd(this.ownEnd) ?? -1;
    closeFd(this.ownEnd);
    if (fd < 0) throw new TsrunError('linux.seccomp: the container did not send its seccomp listener');
    let sock = -1;
    try {
      sock = connectUnix(this.listenerPath);
      const message = { ociVersion: state.ociVersion, fds: ['seccompFd'], pid, metadata: this.metadata ?? '', state };
      sendFd(sock, fd, Buffer.from(JSON.stringify(message)));
    } catch (err) {
      throw new TsrunError(`linux.seccomp.listenerPath: sending the seccomp listener to ${this.listenerPath}: ${(err as Error).message}`);
    } finally {
      if (sock >= 0) closeFd(sock);
      closeFd(fd);
    }
  }

  abandon(): void {
    for (const fd of [this.ownEnd, this.helperEnd]) {
      try { closeFd(fd); } catch { /* closed already */ }
    }
  }
}

type LinuxSeccomp = NonNullable<NonNullable<RuntimeConfig['linux']>['seccomp']>;

/** A delivery channel when the profile hands syscalls to an agent (SCMP_ACT_NOTIFY with a listenerPath). */
export function listenerDelivery(seccomp: LinuxSeccomp | undefined): SeccompListenerDelivery | undefined {
  const notifies = (seccomp?.syscalls ?? []).some((r) => r.action === 'SCMP_ACT_NOTIFY');
  if (!seccomp || !notifies || !seccomp.listenerPath) return undefined; // the compiler reports a missing listenerPath
  return new SeccompListenerDelivery(resolve(seccomp.listenerPath), seccomp.listenerMetadata);
}
