/**
 * An in-memory MongoDB behind node-red-node-mongodb's real node code: MongoClient.connect of the
 * driver that package loads is replaced by one that hands out this store, so the nodes' own
 * message handling (collection from the node or msg.collection, find with selector, sort and
 * limit, update with msg.query and an ObjectId made from its hex, insert of the payload) runs as
 * shipped. Documents go through the driver's BSON on the way in, as they would to a server.
 * Only what the nodes call is here: find(...).project().sort().limit().skip().toArray, update,
 * insert; selectors {} and {field: {$exists: false}}; sort on one field.
 */
import path from 'node:path';

export type Doc = Record<string, unknown>;

interface Bson {
  serialize(doc: object): Buffer;
  deserialize(buf: Buffer): Doc;
}
interface ObjectIdLike {
  toHexString(): string;
}
interface Driver {
  MongoClient: { connect: (url: string, cb: (err: Error | null, client?: unknown) => void) => void };
  ObjectID: new (hex?: string) => ObjectIdLike;
}

export const MONGO_PACKAGE = path.dirname(require.resolve('node-red-node-mongodb/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the driver node-red-node-mongodb itself loads (3.x, untyped here)
export const driver = require(require.resolve('mongodb', { paths: [MONGO_PACKAGE] })) as Driver;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- bson 1.x of that driver: a class
const BsonClass = require(require.resolve('bson', { paths: [path.dirname(require.resolve('mongodb', { paths: [MONGO_PACKAGE] }))] })) as new () => Bson;
export const BSON = new BsonClass();

const key = (v: unknown): string => (v !== null && typeof v === 'object' && typeof (v as ObjectIdLike).toHexString === 'function' ? (v as ObjectIdLike).toHexString() : JSON.stringify(v));

/** a copy for the call log: ObjectIds as their hex, Dates kept */
function plain(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as ObjectIdLike).toHexString === 'function') return (v as ObjectIdLike).toHexString();
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Date || v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

function matches(doc: Doc, selector: Doc): boolean {
  return Object.entries(selector ?? {}).every(([k, cond]) => {
    if (cond !== null && typeof cond === 'object' && '$exists' in (cond as Doc)) return (doc[k] !== undefined) === Boolean((cond as Doc).$exists);
    return key(doc[k]) === key(cond);
  });
}

export class MemoryMongo {
  readonly collections = new Map<string, Doc[]>();
  /** every call the nodes made, ObjectIds as hex */
  readonly calls: { op: string; collection: string; args: unknown[] }[] = [];
  private restore?: () => void;

  collection(name: string): Doc[] {
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = []));
    return c;
  }

  add(name: string, doc: Doc): Doc {
    const stored = BSON.deserialize(BSON.serialize({ _id: new driver.ObjectID(), ...doc }));
    this.collection(name).push(stored);
    return stored;
  }

  /** replace the driver's connect until uninstall() */
  install(): void {
    const original = driver.MongoClient.connect;
    const db = { collection: (name: string) => this.handle(name) };
    driver.MongoClient.connect = (_url, cb) => setImmediate(() => cb(null, { db: () => db, close: () => undefined }));
    this.restore = () => (driver.MongoClient.connect = original);
  }

  uninstall(): void {
    this.restore?.();
  }

  private handle(name: string): object {
    const docs = (): Doc[] => this.collection(name);
    const record = (op: string, args: unknown[]): void => void this.calls.push({ op, collection: name, args: plain(args) as unknown[] });
    return {
      find: (selector: Doc) => {
        let sort: Doc = {};
        let limit = 0;
        let skip = 0;
        const cursor = {
          project: () => cursor,
          sort: (s: Doc | undefined) => ((sort = s ?? {}), cursor),
          limit: (n: number) => ((limit = n), cursor),
          skip: (n: number) => ((skip = n), cursor),
          toArray: (cb: (err: Error | null, items: Doc[]) => void) => {
            record('find', [selector, sort, limit, skip]);
            const [field, dir] = Object.entries(sort)[0] ?? ['_id', 1];
            const found = docs()
              .filter((d) => matches(d, selector))
              .sort((a, b) => (key(a[field]) < key(b[field]) ? -1 : 1) * Number(dir));
            const page = found.slice(skip, limit > 0 ? skip + limit : undefined);
            setImmediate(() => cb(null, page.map((d) => BSON.deserialize(BSON.serialize(d)))));
          },
        };
        return cursor;
      },
      update: (query: Doc, change: { $set?: Doc }, _options: unknown, cb: (err: Error | null) => void) => {
        record('update', [query, change]);
        // BSON first: what the driver cannot encode fails here as it would on the way to a server
        const set = BSON.deserialize(BSON.serialize(change.$set ?? {}));
        for (const d of docs().filter((x) => matches(x, query))) Object.assign(d, set);
        setImmediate(() => cb(null));
      },
      insert: (doc: Doc, cb: (err: Error | null) => void) => {
        record('insert', [doc]);
        docs().push(BSON.deserialize(BSON.serialize({ _id: new driver.ObjectID(), ...doc })));
        setImmediate(() => cb(null));
      },
    };
  }
}
