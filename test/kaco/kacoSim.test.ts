import * as assert from 'node:assert/strict';
import { decodeReply, FrameExtractor, type ReplyExpectation } from '../../lib/kaco/frameExtractor';
import { KacoSim } from '../../lib/sim/kacoSim';
import type { EndpointSpec } from '../../lib/sim/deviceEndpoint';
import { openRawLine, type RawLine } from './rawLine';
import { waitFor } from '../support/waitFor';

const NOON = (): number => 12;

/** A whole frame for `expect` is in: one the codec accepts, or one it refuses. */
const frameFor =
  (expect: ReplyExpectation) =>
  (bytes: Buffer): boolean => {
    const extractor = new FrameExtractor(expect);
    return extractor.push(bytes) !== undefined || extractor.counts.rejected > 0;
  };

const TRANSPORTS: { name: string; endpoint: EndpointSpec }[] = [
  { name: 'pty', endpoint: { transport: 'pty' } },
  { name: 'TCP', endpoint: { transport: 'tcp' } },
];

for (const { name, endpoint } of TRANSPORTS) {
  describe(`kaco simulator on ${name}`, function () {
    this.timeout(10000);
    let sim: KacoSim;
    let line: RawLine;
    let hours = 12;

    beforeEach(async () => {
      hours = 12;
      sim = await KacoSim.start({
        endpoint,
        inverters: [{ address: 1 }, { address: 2, protocol: 'generic' }],
        latencyMs: 50,
        timeOfDay: () => hours,
      });
      line = await openRawLine(sim);
    });

    afterEach(async () => {
      await line.close();
      await sim.close();
    });

    it('answers command 0 of an xi with values equal to its state', async () => {
      line.write('#010\r');
      const outcome = decodeReply(await line.collectUntil(frameFor({ address: 1, command: '0' })), { address: 1, command: '0' });
      assert.equal(outcome.kind, 'reply');
      const reply = (outcome as { reply: { fields: unknown } }).reply;
      assert.deepEqual(reply.fields, sim.snapshot(1).measurements);
      assert.equal(sim.snapshot(1).measurements.p_ac, 4775);
    });

    it('answers command 0 of a TL3 in the generic protocol with a valid CRC', async () => {
      line.write('#020\r\n');
      const outcome = decodeReply(await line.collectUntil(frameFor({ address: 2, command: '0' })), { address: 2, command: '0' });
      assert.equal(outcome.kind, 'reply');
      assert.deepEqual((outcome as { reply: { fields: unknown } }).reply.fields, sim.snapshot(2).measurements);
    });

    it('answers command 3 without header (xi) and with header (TL3), and command 9', async () => {
      line.write('#013\r');
      const xi = decodeReply(await line.collectUntil(frameFor({ address: 1, command: '3' })), { address: 1, command: '3' });
      assert.deepEqual((xi as { reply: { fields: unknown } }).reply.fields, sim.snapshot(1).yield);
      assert.equal((xi as { reply: { address: unknown } }).reply.address, undefined);
      line.write('#023\r');
      const tl3 = decodeReply(await line.collectUntil(frameFor({ address: 2, command: '3' })), { address: 2, command: '3' });
      assert.deepEqual((tl3 as { reply: { fields: unknown } }).reply.fields, sim.snapshot(2).yield);
      line.write('#029\r');
      const type = decodeReply(await line.collectUntil(frameFor({ address: 2, command: '9' })), { address: 2, command: '9' });
      assert.equal((type as { reply: { type: string } }).reply.type, '086L32');
    });

    it('never answers the commands an inverter is told it has not, and answers the rest', async () => {
      sim.inverter(1).silentCommands.add('3');
      line.write('#013\r');
      await waitFor(() => sim.requests.length === 1, 5000, 'the request');
      // decided when the request arrives: no reply is scheduled at all
      assert.equal(sim.requests[0].doneBy, null);
      assert.equal(sim.requests[0].snapshot, null);
      line.write('#010\r');
      const m = decodeReply(await line.collectUntil(frameFor({ address: 1, command: '0' })), { address: 1, command: '0' });
      assert.deepEqual((m as { reply: { fields: unknown } }).reply.fields, sim.snapshot(1).measurements);
    });

    it('stays silent at night, for unknown addresses and for no-answer', async () => {
      line.write('#050\r');
      assert.equal((await line.collect(200)).length, 0);
      sim.injectFault('no-answer', { address: 1, count: 1 });
      line.write('#010\r');
      assert.equal((await line.collect(200)).length, 0);
      hours = 22;
      line.write('#020\r');
      assert.equal((await line.collect(200)).length, 0);
      assert.equal(sim.snapshot(2).awake, false);
    });

    it('does not answer before turnaround plus 9600-baud wire time', async () => {
      line.write('#010\r');
      await line.collectUntil(frameFor({ address: 1, command: '0' }));
      const r = sim.replies(1, '0')[0];
      assert.ok(r.repliedAt !== null);
      // 5 request + 66 reply bytes at 10 bits / 9600 baud = 74 ms, + t3.5 + 50 ms turnaround
      assert.ok(r.wireMs > 74, `wire time ${r.wireMs}`);
      assert.ok((r.repliedAt as number) - r.arrivedAt >= 50 + 74, `answered after ${(r.repliedAt as number) - r.arrivedAt} ms`);
    });

    it('commits each fault so the codec sees it', async () => {
      const expect = { address: 1, command: '0' as const };
      // each faulty frame is waited for whole (its length is a good frame's), so none spills into the next window
      line.write('#010\r');
      const length = (await line.collectUntil(frameFor(expect))).length;
      const atLeast = (n: number) => (bytes: Buffer): boolean => bytes.length >= n;
      sim.injectFault('bad-checksum', { address: 1, count: 1 });
      line.write('#010\r');
      assert.deepEqual(pick(decodeReply(await line.collectUntil(atLeast(length)), expect)), { kind: 'rejected', badCheck: true });
      sim.injectFault('garbled', { address: 1, count: 1 });
      line.write('#010\r');
      assert.notEqual(decodeReply(await line.collectUntil(atLeast(length)), expect).kind, 'reply');
      sim.injectFault('glitch-zeros', { address: 1, count: 1 });
      line.write('#010\r');
      const glitched = await line.collectUntil(atLeast(length + 3));
      assert.equal(glitched[0], 0);
      assert.equal(decodeReply(glitched, expect).kind, 'reply');
      sim.injectFault('long-pause', { address: 1, count: 1 });
      line.write('#010\r');
      const first = await line.collectUntil((bytes) => decodeReply(bytes, expect).kind === 'reply');
      assert.equal(decodeReply(first, expect).kind, 'reply', 'checked values before the pause');
      const rest = await line.collectUntil(atLeast(length - first.length));
      assert.ok(rest.length > 0, 'the type text comes after the pause');
      assert.equal((decodeReply(Buffer.concat([first, rest]), expect) as { reply: { type: string } }).reply.type, '5000xi');
    });

    it('sends a late frame after its delay, past the request window', async () => {
      const late = await KacoSim.start({ endpoint, inverters: [{ address: 1 }], latencyMs: 20, lateMs: 300, timeOfDay: NOON });
      const l = await openRawLine(late);
      try {
        late.injectFault('late', { address: 1, count: 1 });
        l.write('#010\r');
        assert.equal((await l.collect(200)).length, 0, 'nothing within the window');
        assert.equal(decodeReply(await l.collectUntil(frameFor({ address: 1, command: '0' })), { address: 1, command: '0' }).kind, 'reply', 'the whole frame, later');
      } finally {
        await l.close();
        await late.close();
      }
    });

    it('sends a held frame the moment the next request arrives, ahead of that request\'s answer', async () => {
      const late = await KacoSim.start({ endpoint, inverters: [{ address: 1 }, { address: 3 }], latencyMs: 20, timeOfDay: NOON });
      const l = await openRawLine(late);
      try {
        late.injectFault('held', { address: 1, count: 1 });
        l.write('#010\r');
        assert.equal((await l.collect(300)).length, 0);
        l.write('#030\r');
        const both = await l.collectUntil(frameFor({ address: 3, command: '0' }));
        const outcome = decodeReply(both, { address: 3, command: '0' });
        assert.equal(outcome.kind, 'reply');
        assert.equal((outcome as { reply: { address: number } }).reply.address, 3);
        assert.ok(both.indexOf(Buffer.from('*010')) >= 0 && both.indexOf(Buffer.from('*010')) < both.indexOf(Buffer.from('*030')), 'the held frame of address 1 came first, in the same window');
      } finally {
        await l.close();
        await late.close();
      }
    });
  });
}

function pick(outcome: ReturnType<typeof decodeReply>): unknown {
  return outcome.kind === 'rejected' ? { kind: outcome.kind, badCheck: outcome.badCheck } : outcome;
}
