import assert from 'node:assert/strict';
import { CacheQueryError, parseCacheQuery, QUERY_DEFAULT_LIMIT } from '../../lib/cache/cacheQuery';
import { classifyInput } from '../../lib/cache/cacheInput';

const NOW = Date.parse('2026-05-01T12:00:00Z');

describe('cache queries and inputs', () => {
  it('defaults to the last 24 hours', () => {
    assert.deepEqual(parseCacheQuery({}, NOW), { from: NOW - 86400000, to: NOW, limit: QUERY_DEFAULT_LIMIT });
  });

  it('reads absolute, ISO and relative times, measurement, field and limit', () => {
    assert.deepEqual(parseCacheQuery({ from: '-6h', to: 'now', measurement: 'pv', field: 'p_ac', limit: 50 }, NOW), {
      from: NOW - 6 * 3600000,
      to: NOW,
      measurement: 'pv',
      field: 'p_ac',
      limit: 50,
    });
    assert.equal(parseCacheQuery({ from: '2026-05-01T00:00:00Z' }, NOW).from, Date.parse('2026-05-01T00:00:00Z'));
    assert.equal(parseCacheQuery({ from: new Date(5), to: 10 }, NOW).from, 5);
    assert.equal(parseCacheQuery({ from: '-7d' }, NOW).from, NOW - 7 * 86400000);
  });

  const bad: [string, unknown, RegExp][] = [
    ['a text', 'everything', /unknown query "everything": msg\.cacheQuery is "stats" or an object \{from, to, measurement, field, limit\}/],
    ['a number', 42, /unknown query 42/],
    ['an unknown property', { measurment: 'pv' }, /unknown query property "measurment"/],
    ['a bad time', { from: 'yesterday' }, /query "from" "yesterday" is not a time/],
    ['from after to', { from: 20, to: 10 }, /is after "to"/],
    ['an empty measurement', { measurement: '' }, /"measurement" must be a non-empty string/],
    ['a bad limit', { limit: 0 }, /"limit" must be a whole number from 1 to 100000/],
  ];
  for (const [what, raw, text] of bad) {
    it(`refuses ${what} with a clear error`, () => {
      assert.throws(() => parseCacheQuery(raw, NOW), (err: unknown) => err instanceof CacheQueryError && text.test(err.message));
    });
  }

  it('recognises its own messages coming back from complete and catch nodes', () => {
    assert.deepEqual(classifyInput({ _cacheId: 'c1:42', payload: 1 }, 'c1'), { kind: 'ack', key: '42' });
    assert.deepEqual(classifyInput({ _cacheId: 'c1:42', error: { message: 'connect ECONNREFUSED', source: { id: 'db' } } }, 'c1'), {
      kind: 'failure',
      key: '42',
      reason: 'connect ECONNREFUSED',
    });
    // another cache's token: a new message for this one
    assert.deepEqual(classifyInput({ _cacheId: 'c2:42', payload: 1 }, 'c1'), { kind: 'data' });
    assert.deepEqual(classifyInput({ _cacheId: 'c1:x', payload: 1 }, 'c1'), { kind: 'data' });
    // a batch of many stored messages comes back under its batch key
    assert.deepEqual(classifyInput({ _cacheId: 'c1:b7', payload: [] }, 'c1'), { kind: 'ack', key: 'b7' });
    assert.deepEqual(classifyInput({ _cacheId: 'c1:b', payload: 1 }, 'c1'), { kind: 'data' });
    assert.deepEqual(classifyInput({ error: { message: 'bad', source: { id: 'c1' } } }, 'c1'), { kind: 'own-error', reason: 'bad' });
    assert.deepEqual(classifyInput({ cacheQuery: 'stats' }, 'c1'), { kind: 'stats' });
    assert.deepEqual(classifyInput({ cacheQuery: { from: '-1h' } }, 'c1'), { kind: 'query', query: { from: '-1h' } });
    assert.deepEqual(classifyInput({ payload: { p: 1 } }, 'c1'), { kind: 'data' });
  });
});

describe('cache status age', () => {
  it('is short: seconds, minutes, hours, days', async () => {
    const { ageText } = await import('../../lib/cache/ageText');
    assert.deepEqual([0, 59, 60, 3599, 3600, 86399, 86400, 864000].map(ageText), ['0s', '59s', '1m', '59m', '1h', '23h', '1d', '10d']);
  });
});
