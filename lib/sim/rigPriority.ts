/**
 * The test rig's processes (socat relaying a pty pair, a simulator in its own process) run ahead
 * of the code under test when we may raise them (root, as in CI): on a loaded machine a starved
 * relay holds a request for hundreds of ms, which no RS485 line does, and a soak then measures
 * the rig, not the bus (docs/RELIABILITY.md, the full soak under load). The bus's own process
 * keeps its priority, so the load still falls on what is under test. Elsewhere nothing changes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** coreutils' nice by its path: the rig must not depend on the caller's PATH */
const NICE = ['/usr/bin/nice', '/bin/nice'].find((p) => fs.existsSync(p));

/** the niceness the rig asks for (negative: ahead of normal processes) */
export const RIG_NICENESS = -10;

/** whether this process may raise another's priority */
export function mayRaisePriority(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Raises a rig process (best effort: it may have exited meanwhile). */
export function raiseRigProcess(pid: number | undefined): void {
  if (pid === undefined || !mayRaisePriority()) return;
  try {
    os.setPriority(pid, RIG_NICENESS);
  } catch {
    // gone already, or a container without CAP_SYS_NICE: the rig runs at normal priority
  }
}

/** The command prefix that starts a rig process raised (`nice -n -10`), or none. */
export function rigCommandPrefix(): string[] {
  return NICE && mayRaisePriority() ? [NICE, '-n', String(RIG_NICENESS)] : [];
}
