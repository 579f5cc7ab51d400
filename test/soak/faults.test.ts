/**
 * Fault soak (issue 7): transactions through the real bus against the Modbus slave simulator on
 * a socat pty, RTU over TCP and Modbus TCP at once, 5 % of each fault injected. Shortened here;
 * `npm run soak` runs 100,000 per transport.
 */
import assert from 'node:assert/strict';
import { describeSoak, runFaultSoak, type FaultSoakResult, type SoakTransport } from './faultSoak';
import { soakLog, soakSize, soakTimeout, SOAK_FULL } from './soakSize';

const TRANSPORTS: SoakTransport[] = ['pty', 'tcp-rtu', 'modbus-tcp'];
const CALLS = soakSize(700, 100000);
const MB = 2 ** 20;

describe(`soak: ${CALLS} Modbus transactions per transport with 5 % of each fault`, function () {
  this.timeout(soakTimeout(120000));
  let results: FaultSoakResult[] = [];

  before(async () => {
    results = await Promise.all(
      TRANSPORTS.map((transport, i) => runFaultSoak({ transport, transactions: CALLS, faultShare: 0.05, seed: 11 + i, log: SOAK_FULL ? soakLog : undefined })),
    );
    for (const r of results) soakLog(describeSoak(r));
  });

  it('never crashes and ends every request in a correct value or a typed error', () => {
    for (const r of results) {
      assert.equal(r.calls, CALLS, r.transport);
      assert.deepEqual(r.untyped, [], `${r.transport}: errors that are not TransportError/ModbusException/ProtocolError`);
      assert.equal(r.neverEnded, 0, `${r.transport}: requests that never ended`);
      assert.equal(r.wrongValues, 0, `${r.transport}: wrong values accepted: ${r.wrongExamples.join('; ')}`);
      const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
      assert.equal(r.ok + errors, r.calls, `${r.transport}: every call accounted for`);
      assert.ok(r.ok > r.calls / 2, `${r.transport}: most calls answered (${r.ok})`);
    }
  });

  it('commits every fault and reports each as its own kind', () => {
    for (const r of results) {
      const faults = r.transport === 'modbus-tcp' ? ['no-answer', 'bad-crc', 'truncated', 'slow', 'exception'] : ['no-answer', 'bad-crc', 'truncated', 'slow', 'exception', 'garbled', 'late'];
      for (const f of faults) assert.ok((r.faults[f] ?? 0) > 0, `${r.transport}: fault ${f} injected`);
      assert.ok((r.errors.timeout ?? 0) > 0 && (r.errors.exception_4 ?? 0) > 0, `${r.transport}: timeouts and exception replies reported`);
      if (r.transport !== 'modbus-tcp') assert.ok((r.errors.crc ?? 0) > 0 && (r.errors.truncated ?? 0) > 0, `${r.transport}: CRC and truncated reported`);
    }
  });

  it('never has two frames in flight, never sends earlier than t3.5', () => {
    for (const r of results) {
      assert.equal(r.overlaps, 0, `${r.transport}: overlaps ${r.overlapExamples.join('; ')}`);
      assert.equal(r.earlyRequests, 0, `${r.transport}: early requests`);
    }
  });

  it('keeps the queue bounded while polls come faster than the bus', () => {
    // six sources waiting for their own call, and the flood's nine distinct reads (3 units × 3 addresses), coalesced
    for (const r of results) assert.ok(r.maxQueue <= 15, `${r.transport}: queue reached ${r.maxQueue}`);
  });

  it('grows memory by less than 10 MB after warm-up', () => {
    for (const r of results) assert.ok(r.memoryEnd - r.memoryWarm < 10 * MB, `${r.transport}: ${((r.memoryEnd - r.memoryWarm) / MB).toFixed(1)} MB`);
  });
});
