/** The fault soak ties a wrong value to the request whose reply it was (test/soak/faultSoak.ts). */
import assert from 'node:assert/strict';
import type { RequestRecord } from '../../lib/sim/modbusSlave';
import { tieWrongValues, type FaultSoakResult, type FoldedRecord, type WrongValue } from './faultSoak';

const record = (address: number, arrivedAt: number, repliedAt: number | null, fault: RequestRecord['fault'] = null): RequestRecord => ({
  unit: 10,
  functionCode: 3,
  address,
  count: 10,
  arrivedAt,
  firstByteAt: arrivedAt - 1,
  dueAt: repliedAt,
  repliedAt,
  fault,
  overlap: false,
  early: false,
  stream: 'pty',
});

describe('soak: a wrong value tied to its own request', () => {
  const wrong = (): WrongValue => ({ what: 'read 10/40/10', detectedAt: 1000, unit: 10, address: 52, count: 10 });
  const result = (): FaultSoakResult => ({ wrongOrigins: [] }) as unknown as FaultSoakResult;

  it('names the latest request of that unit, address and count before it, with its relay delay and reply time', () => {
    const recent: FoldedRecord[] = [
      { record: record(52, 500, 520), writtenAt: 499 },
      { record: record(52, 800, 990, 'slow'), writtenAt: 790 },
      { record: record(40, 950, 960), writtenAt: 949 },
      { record: record(52, 1200, 1210), writtenAt: 1199 }, // after the wrong value: not its origin
    ];
    const pending = [wrong()];
    const r = result();
    tieWrongValues(pending, recent, r, 50, false);
    assert.equal(pending.length, 0, 'settled: a record after it was folded');
    assert.deepEqual(r.wrongOrigins, ['read 10/40/10: the reply of read 10/52/10 written 210.0 ms before, relay 10.0 ms, answered 200.0 ms after the write (4.00 timeouts), fault slow']);
  });

  it('waits for a later fold while no record after the wrong value has come, and says so when none matches', () => {
    const recent: FoldedRecord[] = [{ record: record(40, 950, 960), writtenAt: 949 }];
    const pending = [wrong()];
    const r = result();
    tieWrongValues(pending, recent, r, 50, false);
    assert.equal(pending.length, 1, 'kept for the next fold');
    tieWrongValues(pending, recent, r, 50, true);
    assert.equal(pending.length, 0);
    assert.match(r.wrongOrigins[0], /no longer hold/);
  });
});
