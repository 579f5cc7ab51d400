/**
 * The latest of every unit, kept across cycles, with the moment a unit stopped answering: the
 * one memory a dashboard table needs so that a unit that goes quiet shows "offline since 12:03"
 * instead of its last numbers frozen as if they were live.
 */
export interface BoardEntry<T> {
  name: string;
  /** the last answer, kept for as long as the unit answers; null once it stopped */
  latest: T | null;
  /** wall-clock ms of the first failed read after the last good one; null while it answers */
  offlineSince: number | null;
}

export class LatestBoard<T> {
  private readonly entries = new Map<string, BoardEntry<T>>();

  /** a unit answered (value) or did not (null) at wall-clock ms `at` */
  update(name: string, value: T | null, at: number): void {
    const e = this.entries.get(name) ?? { name, latest: null, offlineSince: null };
    if (value !== null) {
      e.latest = value;
      e.offlineSince = null;
    } else {
      e.latest = null;
      e.offlineSince ??= at;
    }
    this.entries.set(name, e);
  }

  /** every unit seen, in the order first seen */
  all(): BoardEntry<T>[] {
    return [...this.entries.values()];
  }
}
