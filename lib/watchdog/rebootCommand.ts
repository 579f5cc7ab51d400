import { execFile } from 'node:child_process';

export interface CommandResult {
  command: string[];
  ok: boolean;
  /** exit code, or undefined when it could not start or was killed */
  code: number | undefined;
  /** stderr (or the spawn error) trimmed, for the log */
  message: string;
}

/** Longest a reboot command may run; `reboot` returns at once, a hung one must not stay forever. */
export const COMMAND_TIMEOUT_MS = 60000;

/** Runs the configured command with execFile (no shell): argv[0] is the program. Never rejects. */
export function runCommand(argv: readonly string[], signal?: AbortSignal): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: COMMAND_TIMEOUT_MS, signal, windowsHide: true }, (err, _stdout, stderr) => {
      if (!err) {
        resolve({ command: [...argv], ok: true, code: 0, message: String(stderr).trim() });
        return;
      }
      const e = err as NodeJS.ErrnoException & { code?: number | string };
      const code = typeof e.code === 'number' ? e.code : undefined;
      resolve({ command: [...argv], ok: false, code, message: (String(stderr).trim() || e.message).slice(0, 500) });
    });
  });
}
