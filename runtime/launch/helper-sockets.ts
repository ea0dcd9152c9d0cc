import { resolve } from 'node:path';
import type { RuntimeConfig } from '../../spec/types.ts';
import { LocalConsole } from '../console/local-console.ts';
import type { ConsoleTarget } from '../plan/build-plan.ts';
import { listenerDelivery, type SeccompListenerDelivery } from '../seccomp/listener-delivery.ts';

/**
 * The sockets a helper inherits after its sync socket (at 4 + passed fds, 5 + ...), shared by
 * create and exec: where the pty master goes (the caller's --console-socket, a socket given by the
 * shim, or tsrun itself as the console) and the way back for a seccomp listener.
 */
export class HelperSockets {
  readonly extraFds: number[] = [];
  readonly console?: ConsoleTarget;
  readonly localConsole?: LocalConsole;
  readonly listener?: SeccompListenerDelivery;
  readonly seccompListenerFd?: number;

  constructor(passCount: number, terminal: boolean, consoleSocket: string | undefined, terminalSocket: number | undefined, seccomp: NonNullable<RuntimeConfig['linux']>['seccomp']) {
    const helperFd = (fd: number) => 4 + passCount + this.extraFds.push(fd) - 1;
    if (terminal) {
      if (consoleSocket) this.console = { path: resolve(consoleSocket) };
      else {
        if (terminalSocket === undefined) this.localConsole = new LocalConsole();
        this.console = { fd: helperFd(terminalSocket ?? this.localConsole!.helperEnd) };
      }
    }
    this.listener = listenerDelivery(seccomp);
    if (this.listener) this.seccompListenerFd = helperFd(this.listener.helperEnd);
  }

  /** After the spawn: the helper's copies are the only ones left. */
  helperStarted(): void {
    this.localConsole?.helperStarted();
    this.listener?.helperStarted();
  }

  abandon(): void {
    this.localConsole?.abandon();
    this.listener?.abandon();
  }
}
