/**
 * Talking to a running Node-RED as the editor does: the admin HTTP API (deploy, registered
 * types) and the comms websocket (node statuses, retained by the runtime so a late subscriber
 * sees them all).
 */
import { runtimePackage } from './runtimePath';

// ws is Node-RED's own websocket library (Node 20 has no WebSocket client of its own)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WebSocket = require(runtimePackage('ws')) as typeof import('ws');

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface NodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}

export async function adminJson<T>(base: string, route: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${base}${route}`, { ...init, headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', ...(init.headers ?? {}) } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${route}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Replaces every flow (a full deploy, as the editor's Deploy button). */
export async function deployFlows(base: string, flows: readonly FlowNode[]): Promise<void> {
  await adminJson(base, '/flows', { method: 'POST', body: JSON.stringify({ flows }), headers: { 'Node-RED-Deployment-Type': 'full' } });
}

/** Every node type the runtime has registered (core, ours, the companions). */
export async function registeredTypes(base: string): Promise<Set<string>> {
  const sets = await adminJson<{ types: string[]; enabled: boolean; err?: string }[]>(base, '/nodes');
  return new Set(sets.filter((s) => s.enabled && !s.err).flatMap((s) => s.types));
}

/** Node statuses as the editor sees them. */
export class StatusWatch {
  readonly current = new Map<string, NodeStatus>();
  /** every status seen since the last clear, in order */
  readonly seen: { id: string; status: NodeStatus }[] = [];
  private constructor(private readonly ws: InstanceType<typeof WebSocket>) {}

  static async connect(base: string): Promise<StatusWatch> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/comms`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const watch = new StatusWatch(ws);
    ws.on('message', (data: Buffer) => {
      for (const m of JSON.parse(data.toString()) as { topic: string; data: NodeStatus }[]) {
        if (!m.topic.startsWith('status/')) continue;
        const id = m.topic.slice('status/'.length);
        watch.current.set(id, m.data);
        watch.seen.push({ id, status: m.data });
      }
    });
    ws.send(JSON.stringify({ subscribe: 'status/#' }));
    return watch;
  }

  clear(): void {
    this.current.clear();
    this.seen.length = 0;
  }

  /** waits until pred holds for the current statuses, or fails after timeoutMs with them all */
  async until(pred: (current: Map<string, NodeStatus>) => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred(this.current)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; statuses: ${JSON.stringify([...this.current])}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): void {
    this.ws.close();
  }
}
