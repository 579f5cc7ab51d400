import assert from 'node:assert/strict';
import vm from 'node:vm';
import { pointsOf, shapeOf, stampTime, timeToMs } from '../../lib/cache/influxPoints';

const AT = new Date('2026-05-01T12:00:00.000Z');
const T0 = Date.parse('2016-12-03T19:22:29.603Z');

describe('cache InfluxDB payload shapes', () => {
  it('tells the shapes node-red-contrib-influxdb takes apart', () => {
    assert.equal(shapeOf(3.5), 'value');
    assert.equal(shapeOf('12i'), 'value');
    assert.equal(shapeOf({ a: 1 }), 'fields');
    assert.equal(shapeOf([{ a: 1 }, { t: 'x' }]), 'fields-tags');
    assert.equal(shapeOf([[{ a: 1 }, { t: 'x' }], [{ a: 2 }, { t: 'y' }]]), 'points');
    assert.equal(shapeOf([{ measurement: 'm', fields: { a: 1 } }]), 'batch');
    assert.equal(shapeOf([]), 'other');
    assert.equal(shapeOf(null), 'other');
    assert.equal(shapeOf(Buffer.from('x')), 'other');
  });

  it('stamps a Date where a point has no time, in the field each shape uses', () => {
    const value: Record<string, unknown> = { payload: 7 };
    assert.equal(stampTime(value, AT), true);
    assert.deepEqual(value.payload, { value: 7, time: AT });

    const fields: Record<string, unknown> = { payload: { p: 1 } };
    stampTime(fields, AT);
    assert.deepEqual(fields.payload, { p: 1, time: AT });

    const tagged: Record<string, unknown> = { payload: [{ p: 1 }, { unit: '1' }] };
    stampTime(tagged, AT);
    assert.deepEqual(tagged.payload, [{ p: 1, time: AT }, { unit: '1' }]);

    const points: Record<string, unknown> = { payload: [[{ p: 1 }, { unit: '1' }], [{ p: 2, time: new Date(T0) }, { unit: '2' }]] };
    stampTime(points, AT);
    assert.deepEqual(points.payload, [[{ p: 1, time: AT }, { unit: '1' }], [{ p: 2, time: new Date(T0) }, { unit: '2' }]]);

    const batch: Record<string, unknown> = { payload: [{ measurement: 'm', fields: { p: 1 } }, { measurement: 'n', fields: { p: 2 }, timestamp: new Date(T0) }] };
    stampTime(batch, AT);
    assert.deepEqual(batch.payload, [
      { measurement: 'm', fields: { p: 1 }, timestamp: AT },
      { measurement: 'n', fields: { p: 2 }, timestamp: new Date(T0) },
    ]);
  });

  it('reads shapes and times made in another realm', () => {
    const msg = vm.runInNewContext("({ measurement: 'pv', payload: [{ p: 1, time: new Date(1480793000000) }, { unit: '1' }] })") as Record<string, unknown>;
    assert.equal(shapeOf(msg.payload), 'fields-tags');
    assert.equal(stampTime(msg, AT), false);
    assert.deepEqual(pointsOf(msg, 0)[0].time, 1480793000000);
  });

  it('keeps a time the message already has', () => {
    const msg: Record<string, unknown> = { payload: { p: 1, time: new Date(T0) } };
    assert.equal(stampTime(msg, AT), false);
    assert.equal(((msg.payload as Record<string, unknown>).time as Date).getTime(), T0);
  });

  it('lists the points of each shape with measurement, time, fields and tags', () => {
    assert.deepEqual(pointsOf({ measurement: 'pv', payload: [[{ p: 1, time: new Date(T0) }, { unit: '1' }], [{ p: 2 }, { unit: 2 }]] }, 99), [
      { measurement: 'pv', time: T0, fields: { p: 1 }, tags: { unit: '1' } },
      { measurement: 'pv', time: 99, fields: { p: 2 }, tags: { unit: '2' } },
    ]);
    assert.deepEqual(pointsOf({ payload: [{ measurement: 'system', fields: { up: 3 }, tags: { host: 'h' }, timestamp: new Date(T0) }] }, 99), [
      { measurement: 'system', time: T0, fields: { up: 3 }, tags: { host: 'h' } },
    ]);
    assert.deepEqual(pointsOf({ measurement: 'x', payload: 4 }, 99), [{ measurement: 'x', time: 99, fields: { value: 4 }, tags: {} }]);
    assert.deepEqual(pointsOf({ payload: undefined }, 99), []);
  });

  it('reads numeric times in msg.precision, else by magnitude', () => {
    assert.equal(timeToMs(T0 * 1e6), T0); // ns, InfluxDB's default
    assert.equal(timeToMs(T0 * 1000), T0); // us
    assert.equal(timeToMs(T0), T0); // ms
    assert.equal(timeToMs(Math.floor(T0 / 1000)), Math.floor(T0 / 1000) * 1000); // s
    assert.equal(timeToMs(String(T0 * 1e6)), T0);
    assert.equal(timeToMs(1000, 's'), 1000000);
    assert.equal(timeToMs('2016-12-03T19:22:29.603Z'), T0);
    assert.equal(timeToMs('not a time'), undefined);
    assert.equal(timeToMs(undefined), undefined);
  });
});
