import { promises as fsp } from 'node:fs';
import { writeFileAtomic } from './atomicFile';
import { EMPTY_REASON_FILE, type ReasonFile } from './rebootReason';

/**
 * The reboot reason file (JSON). Writes are atomic and flushed, and queued so a late write
 * never overtakes an earlier one. A missing file is an empty record; an unreadable one is kept
 * aside as <file>.corrupt and reported through `onWarning`, so the watchdog still starts.
 */
export class ReasonStore {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {}

  async load(): Promise<ReasonFile> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...EMPTY_REASON_FILE };
      throw err;
    }
    try {
      return checkShape(JSON.parse(text));
    } catch (err) {
      const aside = `${this.file}.corrupt`;
      await fsp.rename(this.file, aside).catch(() => undefined);
      this.onWarning(`reboot reason file ${this.file} unreadable (${(err as Error).message}); moved to ${aside}`);
      return { ...EMPTY_REASON_FILE };
    }
  }

  save(content: ReasonFile): Promise<void> {
    const data = `${JSON.stringify(content, null, 2)}\n`;
    const write = this.writes.then(() => writeFileAtomic(this.file, data));
    // the queue goes on after a failed write; the caller still sees the failure
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** resolves when every write queued so far has finished */
  flush(): Promise<void> {
    return this.writes;
  }
}

function checkShape(value: unknown): ReasonFile {
  const v = value as Partial<ReasonFile> | null;
  if (typeof v !== 'object' || v === null || v.version !== 1) throw new Error('not a version 1 reason file');
  if (v.reason !== null && (typeof v.reason !== 'object' || typeof v.reason.check !== 'string')) throw new Error('bad reason');
  const streak = v.streak;
  const streakOk = streak === null || (typeof streak === 'object' && typeof streak.check === 'string' && Number.isInteger(streak.count));
  if (!streakOk || typeof v.reported !== 'boolean') throw new Error('bad streak or reported flag');
  return v as ReasonFile;
}
