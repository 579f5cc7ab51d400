/**
 * A control document as mongodb in (node-red-node-mongodb, operation find) hands it on, and the
 * messages mongodb out (operation update, collection left empty) needs to store what became of
 * it back into the same document. The old service's collections: CritControl and Control, each
 * document {code, inverter?}; msg.collection names the collection (set before mongodb in, which
 * uses it when its own is empty and leaves it on the message).
 */
import { isPlainObject } from '../cache/valueKinds';
import type { CommandReport } from '../xw/verifiedWriter';

export interface ControlDocument {
  /** the document's _id as mongodb out wants it in msg.query: an ObjectId as its hex text */
  id: unknown;
  collection?: string;
  /** the control code (or command name), as stored */
  code: unknown;
  inverter?: unknown;
}

export interface UpdateMessage {
  collection?: string;
  query: { _id: unknown };
  payload: { $set: Record<string, unknown> };
}

/** an ObjectId (bson's: toHexString) → its hex, which mongodb out turns back into an ObjectId */
function idOf(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as { toHexString?: unknown }).toHexString === 'function') return (v as { toHexString(): string }).toHexString();
  return v;
}

const isDocument = (v: unknown): v is Record<string, unknown> => isPlainObject(v) && v._id !== undefined && v._id !== null;

/**
 * The control document in msg.payload: find's result list (the first document; read with limit 1,
 * the others stay untaken for the next read) or one document. Undefined when the payload is not
 * a document (a plain command, handled as before).
 */
export function controlDocumentOf(payload: unknown, collection: unknown): ControlDocument | undefined {
  const doc = Array.isArray(payload) ? payload[0] : payload;
  if (!isDocument(doc)) return undefined;
  const out: ControlDocument = { id: idOf(doc._id), code: doc.code };
  if (typeof collection === 'string' && collection !== '') out.collection = collection;
  if (doc.inverter !== undefined && doc.inverter !== null && doc.inverter !== '') out.inverter = doc.inverter;
  return out;
}

function update(doc: ControlDocument, set: Record<string, unknown>): UpdateMessage {
  const m: UpdateMessage = { query: { _id: doc.id }, payload: { $set: set } };
  if (doc.collection) m.collection = doc.collection;
  return m;
}

/** before the command runs: the next read ({taken: {$exists: false}}) skips it */
export function takenUpdate(doc: ControlDocument, now: Date): UpdateMessage {
  return update(doc, { taken: now });
}

/** the verified report, whether every unit verified or not */
export function reportUpdate(doc: ControlDocument, report: CommandReport, summary: string, now: Date): UpdateMessage {
  return update(doc, { done: now, ok: report.ok, summary, report });
}

/** a code refused before the bus (unknown code or unit): recorded with its reason, never lost */
export function refusalUpdate(doc: ControlDocument, reason: string, now: Date): UpdateMessage {
  return update(doc, { taken: now, done: now, ok: false, error: reason });
}
