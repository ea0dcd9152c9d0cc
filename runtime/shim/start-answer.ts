import { grpcSocketFor } from './shim-paths.ts';

/**
 * Which protocol containerd is told to speak to the shim. ttrpc (the default) is answered with a
 * plain `unix://` address, the only form containerd 1.6 reads and one every later containerd
 * still reads. containerd 1.7+ can speak gRPC to a shim, but only when `start` answers with its
 * JSON form, which 1.6 would take for an address and fail on: so JSON is printed only when asked
 * for with TSRUN_SHIM_PROTOCOL=grpc, a setting for containerd 1.7+ alone.
 */
export type ShimProtocol = 'ttrpc' | 'grpc';

export function shimProtocol(env: NodeJS.ProcessEnv = process.env): ShimProtocol {
  const p = env.TSRUN_SHIM_PROTOCOL || 'ttrpc';
  if (p !== 'ttrpc' && p !== 'grpc') throw new Error(`TSRUN_SHIM_PROTOCOL=${p}: give ttrpc (any containerd) or grpc (containerd 1.7+)`);
  return p;
}

/** What `start` prints for the shim serving ttrpc on `socket` (scripts/shim-launcher.sh prints the same bytes). */
export function startAnswer(socket: string, protocol: ShimProtocol): string {
  if (protocol === 'ttrpc') return `unix://${socket}`;
  return JSON.stringify({ version: 2, address: `unix://${grpcSocketFor(socket)}`, protocol: 'grpc' });
}
