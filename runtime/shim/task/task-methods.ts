/**
 * containerd.task.v2.Task: each method's request and response message, shared by the ttrpc and
 * the gRPC transports.
 */
const P = 'containerd.task.v2.';
export const TASK_SERVICE = 'containerd.task.v2.Task';
export const TASK_METHODS = {
  State: [`${P}StateRequest`, `${P}StateResponse`],
  Create: [`${P}CreateTaskRequest`, `${P}CreateTaskResponse`],
  Start: [`${P}StartRequest`, `${P}StartResponse`],
  Delete: [`${P}DeleteRequest`, `${P}DeleteResponse`],
  Pids: [`${P}PidsRequest`, `${P}PidsResponse`],
  Pause: [`${P}PauseRequest`, 'google.protobuf.Empty'],
  Resume: [`${P}ResumeRequest`, 'google.protobuf.Empty'],
  Checkpoint: [`${P}CheckpointTaskRequest`, 'google.protobuf.Empty'],
  Kill: [`${P}KillRequest`, 'google.protobuf.Empty'],
  Exec: [`${P}ExecProcessRequest`, 'google.protobuf.Empty'],
  ResizePty: [`${P}ResizePtyRequest`, 'google.protobuf.Empty'],
  CloseIO: [`${P}CloseIORequest`, 'google.protobuf.Empty'],
  Update: [`${P}UpdateTaskRequest`, 'google.protobuf.Empty'],
  Wait: [`${P}WaitRequest`, `${P}WaitResponse`],
  Stats: [`${P}StatsRequest`, `${P}StatsResponse`],
  Connect: [`${P}ConnectRequest`, `${P}ConnectResponse`],
  Shutdown: [`${P}ShutdownRequest`, 'google.protobuf.Empty'],
} as const;
export type TaskMethod = keyof typeof TASK_METHODS;

/** The service as the transports call it: a plain request object in, a plain response object out. */
export type TaskHandlers = Record<TaskMethod, (req: any, namespace: string) => Promise<object>>; // eslint-disable-line @typescript-eslint/no-explicit-any
