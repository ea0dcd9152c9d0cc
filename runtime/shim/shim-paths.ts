import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the shim keeps its sockets, container state and logs; the tests move it under a temp dir. */
export function shimRoot(): string {
  return process.env.TSRUN_SHIM_ROOT || '/run/tsrun-shim';
}

/**
 * One shim serves a group of containers: those of one pod (the CRI sandbox id annotation, as the
 * runc shim groups them) or else all those of one namespace. The socket's name is a hash of
 * containerd's address, the namespace and the group, so that a second `start` finds the shim.
 */
export function groupOf(bundle: string): string {
  try {
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { annotations?: Record<string, string> };
    return config.annotations?.['io.kubernetes.cri.sandbox-id'] ?? '';
  } catch {
    return '';
  }
}

export function socketPathFor(address: string, namespace: string, group: string): string {
  const hash = createHash('sha256').update(`${address}\0${namespace}\0${group}`).digest('hex').slice(0, 24);
  return join(shimRoot(), 's', `${hash}.sock`);
}

/** tsrun's state directory for the containers of one namespace (as runc's --root /run/containerd/runc/NS). */
export function stateRootFor(namespace: string): string {
  return join(shimRoot(), 'state', namespace);
}

/** The same task service over gRPC sits next to the ttrpc socket. */
export function grpcSocketFor(ttrpcSocket: string): string {
  return ttrpcSocket.replace(/\.sock$/, '.grpc.sock');
}
