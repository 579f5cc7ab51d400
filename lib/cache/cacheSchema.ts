import type { Database } from 'node-sqlite3-wasm';

/** Schema version stored in PRAGMA user_version; a newer file is refused rather than misread. */
export const SCHEMA_VERSION = 1;

/** Point states in the `state` column. */
export const State = { Pending: 0, Delivered: 1, Rejected: 2 } as const;

/**
 * One row per stored message. AUTOINCREMENT: ids travel in msg._cacheId and come back in
 * acknowledgements, possibly after a restart, so an id is never reused even after deletes.
 * time_from/time_to: the earliest and latest point time in the message (ms since epoch).
 */
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  state INTEGER NOT NULL DEFAULT 0,
  stored_ms INTEGER NOT NULL,
  time_from INTEGER NOT NULL,
  time_to INTEGER NOT NULL,
  measurement TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  delivered_ms INTEGER,
  bytes INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_state ON messages (state, id);
CREATE INDEX IF NOT EXISTS messages_time ON messages (time_from);
`;

export function applySchema(db: Database): void {
  const row = db.get('PRAGMA user_version') as { user_version: number } | null;
  const version = Number(row?.user_version ?? 0);
  if (version > SCHEMA_VERSION) {
    throw new Error(`cache file has schema version ${version}, this version of the package reads up to ${SCHEMA_VERSION}`);
  }
  db.exec(SCHEMA_V1);
  // Always written: the write also creates the journal file (see durableSqlite.ts).
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
}
