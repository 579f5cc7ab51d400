/**
 * The parent side of lib/sim/slaveProcess.ts: a Modbus slave simulator in a child process, with
 * its request records brought back on this process's clock. For the benchmark and the soak.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { raiseRigProcess } from './rigPriority';
import path from 'node:path';
import type { FaultScope, ModbusFault, RequestRecord } from './modbusSlave';
import type { ChildMessage, ParentMessage, RemoteSlaveSpec } from './slaveProcess';

export type { RemoteSlaveSpec } from './slaveProcess';

export interface RemoteRecords {
  /** times on this process's performance.now() axis */
  records: RequestRecord[];
  /** the simulator's counters since it started (or its last reset) */
  overlaps: number;
  early: number;
  /** the simulator process's CPU time so far, ms */
  cpuMs: number;
}

export interface RemoteSlave {
  readonly clientPath?: string;
  readonly port?: number;
  /** every request recorded so far */
  records(): Promise<RemoteRecords>;
  /** the requests recorded since the last drain; the simulator forgets them */
  drain(): Promise<RemoteRecords>;
  injectFault(fault: ModbusFault, scope?: FaultScope): void;
  resetStats(): void;
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function startRemoteSlave(spec: RemoteSlaveSpec): Promise<RemoteSlave> {
  const child: ChildProcess = fork(path.join(__dirname, 'slaveProcess.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  live.add(child);
  raiseRigProcess(child.pid);
  child.once('exit', () => live.delete(child));
  const pending = new Map<number, (m: Extract<ChildMessage, { ev: 'records' }>) => void>();
  let nextId = 1;
  const post = (m: ParentMessage): void => {
    if (child.connected) child.send(m);
  };
  const started = await new Promise<Extract<ChildMessage, { ev: 'started' }>>((resolve, reject) => {
    child.on('message', (m: ChildMessage) => {
      if (m.ev === 'started') resolve(m);
      else if (m.ev === 'error') reject(new Error(`simulator process: ${m.message}`));
      else if (m.ev === 'records') pending.get(m.id)?.(m);
    });
    child.once('exit', (code) => reject(new Error(`simulator process exited (${code})`)));
    post({ cmd: 'start', spec });
  });
  // child time + shift = our time (timeOrigin is good to a fraction of a millisecond)
  const shift = started.timeOrigin - performance.timeOrigin;
  const move = (t: number | null): number | null => (t === null ? null : t + shift);
  const ask = (cmd: 'records' | 'drain'): Promise<RemoteRecords> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error('simulator process is gone'));
      pending.set(id, (m) => {
        pending.delete(id);
        const records = m.records.map((r) => ({ ...r, arrivedAt: r.arrivedAt + shift, firstByteAt: r.firstByteAt + shift, dueAt: move(r.dueAt), repliedAt: move(r.repliedAt) }));
        resolve({ records, overlaps: m.overlaps, early: m.early, cpuMs: m.cpuMs });
      });
      post({ cmd, id });
    });
  };
  return {
    clientPath: started.clientPath,
    port: started.port,
    records: () => ask('records'),
    drain: () => ask('drain'),
    injectFault(fault, scope) {
      post({ cmd: 'inject', fault, scope });
    },
    resetStats() {
      post({ cmd: 'reset' });
    },
    close() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        post({ cmd: 'close' });
      });
    },
  };
}
