import assert from 'node:assert/strict';
import vm from 'node:vm';
import { decodeMessage, encodeMessage, UnstorableMessageError } from '../../lib/cache/messageCodec';

const NONE = new Set<string>();

describe('cache message codec', () => {
  it('round-trips JSON values, Dates and Buffers exactly', () => {
    const msg = {
      topic: 'kaco',
      measurement: 'pv',
      payload: [{ p_ac: 1234.5, status: 'MPP', ok: true, nothing: null, time: new Date('2016-12-03T19:22:29.603Z') }, { unit: '3' }],
      raw: Buffer.from([0x23, 0x30, 0x31, 0x0d]),
      nested: { list: [1, 'two', [3]] },
    };
    const back = decodeMessage(encodeMessage(msg, NONE));
    assert.deepEqual(back, msg);
    const fields = (back.payload as Record<string, unknown>[])[0];
    assert.ok(fields.time instanceof Date);
    assert.equal((fields.time as Date).getTime(), Date.parse('2016-12-03T19:22:29.603Z'));
    assert.ok(Buffer.isBuffer(back.raw));
  });

  it('takes objects and Dates made in another realm (a function node runs in its own vm context)', () => {
    const foreign = vm.runInNewContext("({ payload: [{ n: 1, time: new Date(5) }, { unit: '1' }], list: [new Uint8Array([1, 2])], odd: new (class Foo {})() })") as Record<string, unknown>;
    assert.throws(() => encodeMessage(foreign, NONE), /msg\.odd: a Foo object cannot be stored/);
    delete foreign.odd;
    const back = decodeMessage(encodeMessage(foreign, NONE));
    assert.equal(((back.payload as Record<string, unknown>[])[0].time as Date).getTime(), 5);
    assert.ok((back.payload as Record<string, unknown>[])[0].time instanceof Date);
    assert.deepEqual([...(back.list as Buffer[])[0]], [1, 2]);
  });

  it('keeps user objects that look like its own tags', () => {
    const msg = { payload: { $date: 5 }, other: { $buffer: 'x' }, deeper: { $object: { a: 1 } } };
    assert.deepEqual(decodeMessage(encodeMessage(msg, NONE)), msg);
  });

  it('leaves out the omitted properties and undefined values', () => {
    const back = decodeMessage(encodeMessage({ _msgid: 'abc', _cacheId: 'n:1', payload: 1, gone: undefined }, new Set(['_msgid', '_cacheId'])));
    assert.deepEqual(back, { payload: 1 });
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['a function', { payload: { f: () => 1 } }, /msg\.payload\.f: a function cannot be stored/],
    ['a BigInt', { payload: 10n }, /msg\.payload: a BigInt/],
    ['NaN', { payload: { v: NaN } }, /msg\.payload\.v: NaN \(not a finite number\)/],
    ['Infinity in an array', { payload: [1, Infinity] }, /msg\.payload\[1\]: Infinity/],
    ['a symbol', { payload: Symbol('s') }, /a symbol/],
    ['an invalid Date', { payload: { time: new Date('nonsense') } }, /msg\.payload\.time: an invalid Date/],
    ['a class instance', { req: new (class IncomingMessage {})() }, /msg\.req: a IncomingMessage object/],
    ['a Map', { payload: new Map([[1, 2]]) }, /msg\.payload: a Map object/],
  ];
  for (const [what, msg, text] of refused) {
    it(`refuses ${what}, naming the property`, () => {
      assert.throws(() => encodeMessage(msg, NONE), (err: unknown) => err instanceof UnstorableMessageError && text.test(err.message));
    });
  }

  it('refuses a cycle and names where it points back to', () => {
    const payload: Record<string, unknown> = { a: { b: {} } };
    (payload.a as Record<string, Record<string, unknown>>).b.back = payload;
    assert.throws(() => encodeMessage({ payload }, NONE), /msg\.payload\.a\.b\.back: a reference back to msg\.payload \(a cycle\)/);
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { unit: '1' };
    const back = decodeMessage(encodeMessage({ payload: [[{ v: 1 }, shared], [{ v: 2 }, shared]] }, NONE));
    assert.deepEqual(back.payload, [[{ v: 1 }, { unit: '1' }], [{ v: 2 }, { unit: '1' }]]);
  });
});
