import type * as Grpc from '@grpc/grpc-js';
import { decodeMessage, encodeMessage } from '../protocol/proto-schema.ts';
import { TASK_METHODS, TASK_SERVICE, type TaskMethod } from '../task/task-methods.ts';

/** containerd.task.v2.Task as a grpc-js service definition, on the same messages as ttrpc (no .proto loader). */
export function taskServiceDefinition(): Grpc.ServiceDefinition {
  return Object.fromEntries((Object.keys(TASK_METHODS) as TaskMethod[]).map((name) => {
    const [reqType, resType] = TASK_METHODS[name];
    return [name, {
      path: `/${TASK_SERVICE}/${name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: object) => Buffer.from(encodeMessage(reqType, v)),
      requestDeserialize: (b: Buffer) => decodeMessage<object>(reqType, b),
      responseSerialize: (v: object) => Buffer.from(encodeMessage(resType, v)),
      responseDeserialize: (b: Buffer) => decodeMessage<object>(resType, b),
      originalName: name,
    }];
  })) as Grpc.ServiceDefinition;
}
