import { createRequire } from 'node:module';
import type * as Protobuf from 'protobufjs';

/**
 * The protobuf messages the shim speaks, written down from containerd's .proto files (api/runtime/
 * task/v2/shim.proto, api/types, api/events, the ttrpc wire types, cgroups' v1 and v2 metrics): only the
 * field numbers and wire types matter on the wire, so each message is one line of
 * `name:type=number` (`*` after the type: repeated; `map` is map<string,string>). Enums travel as
 * int32. Built with protobufjs/light from JSON: no .proto parser is loaded at run time.
 */
const MESSAGES: Record<string, string> = {
  'google.protobuf.Any': 'typeUrl:string=1 value:bytes=2',
  'google.protobuf.Timestamp': 'seconds:int64=1 nanos:int32=2',
  'google.protobuf.Empty': '',
  'google.rpc.Status': 'code:int32=1 message:string=2 details:google.protobuf.Any*=3',

  'ttrpc.KeyValue': 'key:string=1 value:string=2',
  'ttrpc.Request': 'service:string=1 method:string=2 payload:bytes=3 timeoutNano:int64=4 metadata:ttrpc.KeyValue*=5',
  'ttrpc.Response': 'status:google.rpc.Status=1 payload:bytes=2',

  'containerd.types.Mount': 'type:string=1 source:string=2 target:string=3 options:string*=4',
  'containerd.types.Envelope': 'timestamp:google.protobuf.Timestamp=1 namespace:string=2 topic:string=3 event:google.protobuf.Any=4',
  'containerd.v1.types.ProcessInfo': 'pid:uint32=1 info:google.protobuf.Any=2',
  'containerd.services.events.ttrpc.v1.ForwardRequest': 'envelope:containerd.types.Envelope=1',

  'containerd.task.v2.CreateTaskRequest': 'id:string=1 bundle:string=2 rootfs:containerd.types.Mount*=3 terminal:bool=4 stdin:string=5 stdout:string=6 stderr:string=7 checkpoint:string=8 parentCheckpoint:string=9 options:google.protobuf.Any=10',
  'containerd.task.v2.CreateTaskResponse': 'pid:uint32=1',
  'containerd.task.v2.DeleteRequest': 'id:string=1 execId:string=2',
  'containerd.task.v2.DeleteResponse': 'pid:uint32=1 exitStatus:uint32=2 exitedAt:google.protobuf.Timestamp=3',
  'containerd.task.v2.ExecProcessRequest': 'id:string=1 execId:string=2 terminal:bool=3 stdin:string=4 stdout:string=5 stderr:string=6 spec:google.protobuf.Any=7',
  'containerd.task.v2.ResizePtyRequest': 'id:string=1 execId:string=2 width:uint32=3 height:uint32=4',
  'containerd.task.v2.StateRequest': 'id:string=1 execId:string=2',
  'containerd.task.v2.StateResponse': 'id:string=1 bundle:string=2 pid:uint32=3 status:int32=4 stdin:string=5 stdout:string=6 stderr:string=7 terminal:bool=8 exitStatus:uint32=9 exitedAt:google.protobuf.Timestamp=10 execId:string=11',
  'containerd.task.v2.KillRequest': 'id:string=1 execId:string=2 signal:uint32=3 all:bool=4',
  'containerd.task.v2.CloseIORequest': 'id:string=1 execId:string=2 stdin:bool=3',
  'containerd.task.v2.PidsRequest': 'id:string=1',
  'containerd.task.v2.PidsResponse': 'processes:containerd.v1.types.ProcessInfo*=1',
  'containerd.task.v2.CheckpointTaskRequest': 'id:string=1 path:string=2 options:google.protobuf.Any=3',
  'containerd.task.v2.UpdateTaskRequest': 'id:string=1 resources:google.protobuf.Any=2 annotations:map=3',
  'containerd.task.v2.StartRequest': 'id:string=1 execId:string=2',
  'containerd.task.v2.StartResponse': 'pid:uint32=1',
  'containerd.task.v2.WaitRequest': 'id:string=1 execId:string=2',
  'containerd.task.v2.WaitResponse': 'exitStatus:uint32=1 exitedAt:google.protobuf.Timestamp=2',
  'containerd.task.v2.StatsRequest': 'id:string=1',
  'containerd.task.v2.StatsResponse': 'stats:google.protobuf.Any=1',
  'containerd.task.v2.ConnectRequest': 'id:string=1',
  'containerd.task.v2.ConnectResponse': 'shimPid:uint32=1 taskPid:uint32=2 version:string=3',
  'containerd.task.v2.ShutdownRequest': 'id:string=1 now:bool=2',
  'containerd.task.v2.PauseRequest': 'id:string=1',
  'containerd.task.v2.ResumeRequest': 'id:string=1',

  'containerd.events.TaskIO': 'stdin:string=1 stdout:string=2 stderr:string=3 terminal:bool=4',
  'containerd.events.TaskCreate': 'containerId:string=1 bundle:string=2 rootfs:containerd.types.Mount*=3 io:containerd.events.TaskIO=4 checkpoint:string=5 pid:uint32=6',
  'containerd.events.TaskStart': 'containerId:string=1 pid:uint32=2',
  'containerd.events.TaskDelete': 'containerId:string=1 pid:uint32=2 exitStatus:uint32=3 exitedAt:google.protobuf.Timestamp=4 id:string=5',
  'containerd.events.TaskExit': 'containerId:string=1 id:string=2 pid:uint32=3 exitStatus:uint32=4 exitedAt:google.protobuf.Timestamp=5',
  'containerd.events.TaskOOM': 'containerId:string=1',
  'containerd.events.TaskExecAdded': 'containerId:string=1 execId:string=2',
  'containerd.events.TaskExecStarted': 'containerId:string=1 execId:string=2 pid:uint32=3',
  'containerd.events.TaskPaused': 'containerId:string=1',
  'containerd.events.TaskResumed': 'containerId:string=1',

  'io.containerd.cgroups.v1.Metrics': 'hugetlb:io.containerd.cgroups.v1.HugetlbStat*=1 pids:io.containerd.cgroups.v1.PidsStat=2 cpu:io.containerd.cgroups.v1.CPUStat=3 memory:io.containerd.cgroups.v1.MemoryStat=4 blkio:io.containerd.cgroups.v1.BlkIOStat=5',
  'io.containerd.cgroups.v1.HugetlbStat': 'usage:uint64=1 max:uint64=2 failcnt:uint64=3 pagesize:string=4',
  'io.containerd.cgroups.v1.PidsStat': 'current:uint64=1 limit:uint64=2',
  'io.containerd.cgroups.v1.CPUStat': 'usage:io.containerd.cgroups.v1.CPUUsage=1 throttling:io.containerd.cgroups.v1.Throttle=2',
  'io.containerd.cgroups.v1.CPUUsage': 'total:uint64=1 kernel:uint64=2 user:uint64=3 perCpu:uint64*=4',
  'io.containerd.cgroups.v1.Throttle': 'periods:uint64=1 throttledPeriods:uint64=2 throttledTime:uint64=3',
  'io.containerd.cgroups.v1.MemoryStat': 'cache:uint64=1 rss:uint64=2 rssHuge:uint64=3 mappedFile:uint64=4 dirty:uint64=5 writeback:uint64=6 pgPgIn:uint64=7 pgPgOut:uint64=8 pgFault:uint64=9 pgMajFault:uint64=10 inactiveAnon:uint64=11 activeAnon:uint64=12 inactiveFile:uint64=13 activeFile:uint64=14 unevictable:uint64=15 hierarchicalMemoryLimit:uint64=16 hierarchicalSwapLimit:uint64=17 totalCache:uint64=18 totalRss:uint64=19 usage:io.containerd.cgroups.v1.MemoryEntry=33 swap:io.containerd.cgroups.v1.MemoryEntry=34 kernel:io.containerd.cgroups.v1.MemoryEntry=35 kernelTcp:io.containerd.cgroups.v1.MemoryEntry=36',
  'io.containerd.cgroups.v1.MemoryEntry': 'limit:uint64=1 usage:uint64=2 max:uint64=3 failcnt:uint64=4',
  'io.containerd.cgroups.v1.BlkIOStat': 'ioServiceBytesRecursive:io.containerd.cgroups.v1.BlkIOEntry*=1 ioServicedRecursive:io.containerd.cgroups.v1.BlkIOEntry*=2',
  'io.containerd.cgroups.v1.BlkIOEntry': 'op:string=1 device:string=2 major:uint64=3 minor:uint64=4 value:uint64=5',

  // containerd/cgroups cgroup2/stats/metrics.proto (what containerd's runc shim returns on a unified hierarchy).
  'io.containerd.cgroups.v2.Metrics': 'pids:io.containerd.cgroups.v2.PidsStat=1 cpu:io.containerd.cgroups.v2.CPUStat=2 memory:io.containerd.cgroups.v2.MemoryStat=4 rdma:io.containerd.cgroups.v2.RdmaStat=5 io:io.containerd.cgroups.v2.IOStat=6 hugetlb:io.containerd.cgroups.v2.HugeTlbStat*=7 memoryEvents:io.containerd.cgroups.v2.MemoryEvents=8',
  'io.containerd.cgroups.v2.PidsStat': 'current:uint64=1 limit:uint64=2',
  'io.containerd.cgroups.v2.CPUStat': 'usageUsec:uint64=1 userUsec:uint64=2 systemUsec:uint64=3 nrPeriods:uint64=4 nrThrottled:uint64=5 throttledUsec:uint64=6',
  'io.containerd.cgroups.v2.MemoryStat': 'anon:uint64=1 file:uint64=2 kernelStack:uint64=3 slab:uint64=4 sock:uint64=5 shmem:uint64=6 fileMapped:uint64=7 fileDirty:uint64=8 fileWriteback:uint64=9 anonThp:uint64=10 inactiveAnon:uint64=11 activeAnon:uint64=12 inactiveFile:uint64=13 activeFile:uint64=14 unevictable:uint64=15 slabReclaimable:uint64=16 slabUnreclaimable:uint64=17 pgfault:uint64=18 pgmajfault:uint64=19 workingsetRefault:uint64=20 workingsetActivate:uint64=21 workingsetNodereclaim:uint64=22 pgrefill:uint64=23 pgscan:uint64=24 pgsteal:uint64=25 pgactivate:uint64=26 pgdeactivate:uint64=27 pglazyfree:uint64=28 pglazyfreed:uint64=29 thpFaultAlloc:uint64=30 thpCollapseAlloc:uint64=31 usage:uint64=32 usageLimit:uint64=33 swapUsage:uint64=34 swapLimit:uint64=35 maxUsage:uint64=36 swapMaxUsage:uint64=37',
  'io.containerd.cgroups.v2.MemoryEvents': 'low:uint64=1 high:uint64=2 max:uint64=3 oom:uint64=4 oomKill:uint64=5',
  'io.containerd.cgroups.v2.RdmaStat': 'current:io.containerd.cgroups.v2.RdmaEntry*=1 limit:io.containerd.cgroups.v2.RdmaEntry*=2',
  'io.containerd.cgroups.v2.RdmaEntry': 'device:string=1 hcaHandles:uint32=2 hcaObjects:uint32=3',
  'io.containerd.cgroups.v2.IOStat': 'usage:io.containerd.cgroups.v2.IOEntry*=1',
  'io.containerd.cgroups.v2.IOEntry': 'major:uint64=1 minor:uint64=2 rbytes:uint64=3 wbytes:uint64=4 rios:uint64=5 wios:uint64=6',
  'io.containerd.cgroups.v2.HugeTlbStat': 'current:uint64=1 max:uint64=2 pagesize:string=3',
};

type JsonNamespace = { nested: Record<string, JsonNamespace | JsonType> };
type JsonType = { fields: Record<string, { type: string; id: number; rule?: string; keyType?: string }> };

function toJson(): JsonNamespace {
  const root: JsonNamespace = { nested: {} };
  for (const [fullName, spec] of Object.entries(MESSAGES)) {
    const parts = fullName.split('.');
    const name = parts.pop()!;
    let ns = root;
    for (const p of parts) ns = (ns.nested[p] ??= { nested: {} }) as JsonNamespace;
    const fields: JsonType['fields'] = {};
    for (const field of spec.split(' ').filter(Boolean)) {
      const m = /^(\w+):([\w.]+)(\*?)=(\d+)$/.exec(field);
      if (!m) throw new Error(`proto-schema: ${fullName}: cannot read field "${field}"`);
      const [, fname, type, repeated, id] = m;
      fields[fname!] = type === 'map' ? { keyType: 'string', type: 'string', id: Number(id) }
        : { type: type!.includes('.') ? `.${type}` : type!, id: Number(id), ...(repeated ? { rule: 'repeated' } : {}) };
    }
    ns.nested[name] = { fields };
  }
  return root;
}

let root: Protobuf.Root | undefined;

/** The message type of a full protobuf name, built on first use. */
export function messageType(fullName: string): Protobuf.Type {
  if (!root) {
    const protobuf = createRequire(import.meta.url)('protobufjs/light.js') as typeof Protobuf;
    root = protobuf.Root.fromJSON(toJson() as Protobuf.INamespace);
  }
  return root.lookupType(fullName);
}

/** Plain-object decoding: 64-bit numbers as JS numbers, absent scalars as their defaults. */
export function decodeMessage<T>(fullName: string, bytes: Uint8Array): T {
  const type = messageType(fullName);
  return type.toObject(type.decode(bytes), { longs: Number, defaults: true, arrays: true }) as T;
}

export function encodeMessage(fullName: string, value: object): Uint8Array {
  const type = messageType(fullName);
  return type.encode(type.fromObject(value)).finish();
}

export interface Timestamp { seconds: number; nanos: number }
export function timestampOf(date: Date): Timestamp {
  const ms = date.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

export interface AnyMessage { typeUrl: string; value: Uint8Array }
