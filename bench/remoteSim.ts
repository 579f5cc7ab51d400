/**
 * The parent side of bench/simProcess.ts: a Modbus slave simulator in a child process, with its
 * request records brought back on this process's clock.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { RequestRecord } from '../lib/sim/modbusSlave';
import type { ChildMessage, ParentMessage, RemoteSlaveSpec } from './simProcess';

export interface RemoteSlave {
  readonly clientPath?: string;
  readonly port?: number;
  /** every request so far, times on this process's performance.now() axis */
  records(): Promise<{ records: RequestRecord[]; overlaps: number; early: number; cpuMs: number }>;
  resetStats(): void;
  close(): Promise<void>;
}

export async function startRemoteSlave(spec: RemoteSlaveSpec): Promise<RemoteSlave> {
  const child: ChildProcess = fork(path.join(__dirname, 'simProcess.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (m: Extract<ChildMessage, { ev: 'records' }>) => void>();
  let nextId = 1;
  let shift = 0;
  const post = (m: ParentMessage): void => {
    child.send(m);
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
  // child time + shift = our time
  shift = started.timeOrigin - performance.timeOrigin;
  const move = (t: number | null): number | null => (t === null ? null : t + shift);
  return {
    clientPath: started.clientPath,
    port: started.port,
    records() {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, (m) => {
          pending.delete(id);
          const records = m.records.map((r) => ({ ...r, arrivedAt: r.arrivedAt + shift, firstByteAt: r.firstByteAt + shift, dueAt: move(r.dueAt), repliedAt: move(r.repliedAt) }));
          resolve({ records, overlaps: m.overlaps, early: m.early, cpuMs: m.cpuMs });
        });
        post({ cmd: 'records', id });
      });
    },
    resetStats() {
      post({ cmd: 'reset' });
    },
    close() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
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
