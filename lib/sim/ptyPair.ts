/**
 * A pair of connected pseudo-terminals from socat: what a simulated device opens on one end and
 * the code under test opens on the other, like the two ends of an RS485 adapter. The ends are
 * stable symlinks in a temp dir, so a restart (unplug/replug) keeps the paths.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rigCommandPrefix } from './rigPriority';

export interface PtyPair {
  /** the end a simulated device opens */
  readonly devicePath: string;
  /** the end the code under test opens */
  readonly clientPath: string;
  /** false between stop() and start(), and after close() */
  readonly running: boolean;
  /** kills socat (both ends vanish, like an unplugged adapter) and waits for it to exit */
  stop(): Promise<void>;
  /** starts socat again with the same link names */
  start(): Promise<void>;
  /** stop() then start(): an unplug/replug */
  restart(): Promise<void>;
  /** stops socat for good and removes the temp dir */
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 3000;

/**
 * socat runs under a small shell supervisor that kills it as soon as its stdin — a pipe from
 * this process — closes (an asynchronous list's stdin is /dev/null, hence fd 3): on stop(), and also when this process dies in any way (even SIGKILL,
 * when no exit handler runs), so no socat outlives its test. It exits 127 when socat is missing.
 */
const SUPERVISOR = `
command -v socat >/dev/null 2>&1 || exit 127
exec 3<&0
socat "$@" </dev/null 3<&- &
p=$!
{ read _ <&3; kill $p 2>/dev/null; } &
w=$!
exec 3<&-
wait $p
s=$?
kill $w 2>/dev/null
exit $s
`;

/** Every supervisor still running, so none outlives this process. */
const liveProcesses = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Closing the pipes at exit happens anyway; ending them here is explicit and synchronous.
  process.on('exit', () => {
    for (const child of liveProcesses) child.stdin?.destroy();
  });
}

export function openPtyPair(): Promise<PtyPair> {
  return SocatPtyPair.open();
}

class SocatPtyPair implements PtyPair {
  readonly devicePath: string;
  readonly clientPath: string;
  private child: ChildProcess | undefined;
  private closed = false;

  private constructor(private readonly dir: string) {
    this.devicePath = path.join(dir, 'device');
    this.clientPath = path.join(dir, 'client');
  }

  static async open(): Promise<SocatPtyPair> {
    const pair = new SocatPtyPair(fs.mkdtempSync(path.join(os.tmpdir(), 'solar-bus-pty-')));
    try {
      await pair.start();
    } catch (err) {
      await pair.close();
      throw err;
    }
    return pair;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('pty pair is closed'));
    if (this.child) return Promise.resolve();
    // A socat killed hard leaves its links behind; they would point at a dead pts.
    for (const link of [this.devicePath, this.clientPath]) fs.rmSync(link, { force: true });
    installExitHook();
    // the relay runs ahead of the code under test where it may (lib/sim/rigPriority.ts)
    const [command, ...prefix] = [...rigCommandPrefix(), '/bin/sh'];
    const child = spawn(command, [...prefix, '-c', SUPERVISOR, 'socat-pty-pair', '-d', '-d', `pty,raw,echo=0,link=${this.devicePath}`, `pty,raw,echo=0,link=${this.clientPath}`], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    child.stdin?.on('error', () => undefined);
    this.child = child;
    liveProcesses.add(child);
    const forget = (): void => {
      liveProcesses.delete(child);
      if (this.child === child) this.child = undefined;
    };
    child.once('exit', forget);
    child.once('error', forget); // spawn failed: no 'exit' follows
    return new Promise<void>((resolve, reject) => {
      let stderr = '';
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.off('error', onError);
        child.off('exit', onExit);
        // keep draining stderr so socat never blocks on a full pipe
        child.stderr?.resume();
        if (err) {
          child.stdin?.destroy();
          reject(err);
        } else resolve();
      };
      const onData = (chunk: Buffer): void => {
        stderr += chunk.toString();
        // socat prints this once both ptys exist and the links are made
        if (stderr.includes('starting data transfer loop')) finish();
      };
      const onError = (err: Error): void => finish(err);
      const onExit = (code: number | null, signal: string | null): void => {
        if (code === 127) finish(new Error('socat is not installed (apt-get install socat)'));
        else finish(new Error(`socat exited before the pty pair was ready (code ${code}, signal ${signal}): ${stderr.trim()}`));
      };
      const timer = setTimeout(() => finish(new Error(`socat did not set up the pty pair within ${START_TIMEOUT_MS} ms: ${stderr.trim()}`)), START_TIMEOUT_MS);
      child.stderr?.on('data', onData);
      child.once('error', onError);
      child.once('exit', onExit);
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        // the supervisor kills socat and exits once socat has (its links removed)
        child.stdin?.destroy();
      });
    }
    this.child = undefined;
    liveProcesses.delete(child);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
