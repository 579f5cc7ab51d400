/** The soaks' own judges: a wrong Modbus value tied to its request (faultSoak.ts), a KACO answer that was not the call's own reply (kacoFaultSoak.ts). */
import assert from 'node:assert/strict';
import type { RequestRecord } from '../../lib/sim/modbusSlave';
import type { KacoRequestRecord } from '../../lib/sim/kacoSim';
import { judgeOwnReply, type CallWindow, type KacoSoakResult } from './kacoFaultSoak';
import { rtuFrame } from '../../lib/sim/rtuRequestReader';
import { madeByLineNoise, tieWrongValues, type FaultSoakResult, type FoldedRecord, type WrongValue } from './faultSoak';

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

describe('soak: a value the line noise made (a garbled reply whose CRC held)', () => {
  const frame = (unit: number, values: number[], goodCrc = true): Buffer => {
    const pdu = Buffer.alloc(2 + 2 * values.length);
    pdu[0] = 3;
    pdu[1] = 2 * values.length;
    values.forEach((v, i) => pdu.writeUInt16BE(v, 2 + 2 * i));
    const f = rtuFrame(unit, pdu);
    if (!goodCrc) f[f.length - 2] ^= 1;
    return f;
  };

  it('is a garbled frame from that unit whose CRC holds and whose registers are the values', () => {
    assert.ok(madeByLineNoise([frame(7, [1]), frame(10, [0x3617, 0x1b18])], 10, [0x3617, 0x1b18]));
  });

  it('is not when the CRC fails, the unit or count differ, or the registers are others: another request\'s reply stays a wrong value', () => {
    assert.ok(!madeByLineNoise([frame(10, [0x3617, 0x1b18], false)], 10, [0x3617, 0x1b18]), 'CRC failed: the bus could not have taken it');
    assert.ok(!madeByLineNoise([frame(11, [0x3617, 0x1b18])], 10, [0x3617, 0x1b18]), 'another unit');
    assert.ok(!madeByLineNoise([frame(10, [0x3617, 0x1b18, 1])], 10, [0x3617, 0x1b18]), 'another count');
    assert.ok(!madeByLineNoise([frame(10, [0x0a17, 0x0a18])], 10, [0x3617, 0x1b18]), 'other registers');
    assert.ok(!madeByLineNoise([], 10, [0x3617, 0x1b18]), 'nothing garbled');
  });
});

describe('soak: a KACO answer that was not the call\'s own reply', () => {
  const rec = (address: number, arrivedAt: number, doneBy: number | null, repliedAt: number | null, fault: KacoRequestRecord['fault'] = null): KacoRequestRecord =>
    ({ address, command: '0', stream: 'tcp', arrivedAt, turnaroundMs: 5, wireMs: 6, fault, repliedAt, doneBy, snapshot: null, overlap: false }) as KacoRequestRecord;
  const result = (): KacoSoakResult => ({ rigLate: 0, rigExamples: [], notOwnReply: 0, notOwnExamples: [] }) as unknown as KacoSoakResult;

  it('passes a call that ended after its own reply was whole', () => {
    const sim = { requests: [rec(2, 100, 111, 111)] };
    const call: CallWindow = { request: 0, start: 99, end: 112, ok: true };
    const r = result();
    judgeOwnReply(sim as never, r, call, 2, { count: 0 });
    assert.equal(r.notOwnReply + r.rigLate, 0);
    assert.equal(call.stray, undefined);
  });

  it('counts an answer before its own reply as a bug, or as the rig\'s when the frame it took was written late', () => {
    // the earlier request to 2 had its reply due at 60 (a late frame) and written on time at 60, during this call: a bug
    const onTime = { requests: [rec(2, 0, 60, 60, 'late'), rec(1, 40, 55, 55), rec(2, 58, 127, null, 'long-pause')] };
    const r = result();
    const call: CallWindow = { request: 2, start: 57, end: 62, ok: true };
    judgeOwnReply(onTime as never, r, call, 2, { count: 0 });
    assert.equal(r.notOwnReply, 1);
    assert.equal(call.stray, 'bug');
    assert.match(r.notOwnExamples[0], /65\.0 ms before its own reply was whole.*written 0\.0 ms later than due/);
    // the same frame written 30 ms after it was due (the process stalled): the rig's
    const stalled = { requests: [rec(2, 0, 30, 60, 'late'), rec(1, 40, 55, 55), rec(2, 58, 127, null, 'long-pause')] };
    const r2 = result();
    const call2: CallWindow = { request: 2, start: 57, end: 62, ok: true };
    judgeOwnReply(stalled as never, r2, call2, 2, { count: 0 });
    assert.equal(r2.rigLate, 1);
    assert.equal(r2.notOwnReply, 0);
    assert.equal(call2.stray, 'rig');
  });
});
