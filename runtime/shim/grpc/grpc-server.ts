import { createRequire } from 'node:module';
import type * as Grpc from '@grpc/grpc-js';
import { RpcError, Code } from '../ttrpc/rpc-status.ts';
import { TASK_METHODS, type TaskHandlers, type TaskMethod } from '../task/task-methods.ts';
import { taskServiceDefinition } from './task-grpc-definition.ts';

/** containerd's gRPC clients put the namespace here (ttrpc's key has a -ttrpc suffix). */
const NAMESPACE_KEY = 'containerd-namespace';

/**
 * The task service over gRPC on a unix socket, for orchestrators that speak gRPC: the same
 * handlers as the ttrpc transport, the same statuses. grpc-js is loaded only when this is asked for.
 */
export async function serveGrpc(handlers: TaskHandlers, socket: string, defaultNamespace: string): Promise<Grpc.Server> {
  const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof Grpc;
  const server = new grpc.Server();
  const impl = Object.fromEntries((Object.keys(TASK_METHODS) as TaskMethod[]).map((name) => [name,
    (call: Grpc.ServerUnaryCall<object, object>, callback: Grpc.sendUnaryData<object>) => {
      const ns = String(call.metadata.get(NAMESPACE_KEY)[0] ?? defaultNamespace);
      handlers[name](call.request, ns).then(
        (res) => callback(null, res),
        (err: Error) => callback({ code: err instanceof RpcError ? err.code : Code.UNKNOWN, details: err.message, name: 'Error', message: err.message }),
      );
    }]));
  server.addService(taskServiceDefinition(), impl as Grpc.UntypedServiceImplementation);
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return server;
}
