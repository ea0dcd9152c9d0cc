import { encodeMessage, timestampOf } from '../protocol/proto-schema.ts';
import { TtrpcClient } from '../ttrpc/ttrpc-client.ts';

/** Topic -> the event message containerd expects under it. */
const TOPIC_TYPES = {
  '/tasks/create': 'containerd.events.TaskCreate',
  '/tasks/start': 'containerd.events.TaskStart',
  '/tasks/exit': 'containerd.events.TaskExit',
  '/tasks/delete': 'containerd.events.TaskDelete',
  '/tasks/exec-added': 'containerd.events.TaskExecAdded',
  '/tasks/exec-started': 'containerd.events.TaskExecStarted',
  '/tasks/paused': 'containerd.events.TaskPaused',
  '/tasks/resumed': 'containerd.events.TaskResumed',
  '/tasks/oom': 'containerd.events.TaskOOM',
} as const;
export type Topic = keyof typeof TOPIC_TYPES;

const ATTEMPTS = 5;

/**
 * Sends task events to containerd (Events/Forward on TTRPC_ADDRESS), one at a time and in the
 * order they were published, so that containerd sees create before start before exit before
 * delete. A failed send is retried on a new connection with a growing pause; after the last
 * attempt the event is dropped and logged, and the queue goes on.
 */
export class EventPublisher {
  private client?: TtrpcClient;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly address: string | undefined, private readonly log: (msg: string) => void) {}

  publish(namespace: string, topic: Topic, event: object): void {
    if (!this.address) return;
    const type = TOPIC_TYPES[topic];
    const envelope = {
      timestamp: timestampOf(new Date()), namespace, topic,
      event: { typeUrl: type, value: encodeMessage(type, event) },
    };
    const payload = encodeMessage('containerd.services.events.ttrpc.v1.ForwardRequest', { envelope });
    this.queue = this.queue.then(() => this.send(namespace, topic, payload));
  }

  /** Resolves once everything published so far was sent (or given up on). */
  flushed(): Promise<void> {
    return this.queue;
  }

  private async send(namespace: string, topic: string, payload: Uint8Array): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.client ??= new TtrpcClient(this.address!.replace(/^unix:\/\//, ''));
        await this.client.call('containerd.services.events.ttrpc.v1.Events', 'Forward', payload, { 'containerd-namespace-ttrpc': namespace }, 5000);
        return;
      } catch (err) {
        this.client?.close();
        this.client = undefined;
        if (attempt >= ATTEMPTS) {
          this.log(`event ${topic} not delivered to ${this.address}: ${(err as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }
}
