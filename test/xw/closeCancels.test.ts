/**
 * A node's close cancels what it still has queued, through the real Node-RED runtime: xw-command
 * is closed while its first read waits behind a poll read on the wire of a slow line that another
 * node (xw-poll) keeps open. The command's read never reaches the unit; the poll goes on.
 */
import assert from 'node:assert/strict';
import type { Node } from 'node-red';
import { allBuses } from '../../lib/bus/busRegistry';
import { helper } from '../support/nodeRed';
import { startXwFlow, waitFor, type XwFlow } from './xwFlow';

/** a whole status-block read takes about 0.8 s at 2400 baud: long enough to queue behind */
const BAUD = 2400;
const POLL_READ = 92;

describe('xw nodes: closing a node cancels its queued requests (runtime)', function () {
  this.timeout(60000);
  let f: XwFlow | undefined;

  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it("xw-command's queued read never reaches the wire once the node closes; the bus and the poll go on", async () => {
    f = await startXwFlow({ transport: 'pty' }, { baudRate: BAUD, busTimeout: 3000, poll: { interval: 0.1 } });
    const flow = f;
    const inFlight = (): boolean => flow.sim.requests.some((r) => r.count === POLL_READ && r.repliedAt === null);
    await waitFor(() => flow.sim.requests.filter((r) => r.repliedAt !== null).length >= 1, 20000, 'the first poll read answered');
    await waitFor(inFlight, 20000, 'a poll read on the wire');
    const bus = allBuses()[0];
    const queuedBefore = bus.counters().queueLength;
    flow.command.receive({ payload: 'rest' } as never);
    await waitFor(() => bus.counters().queueLength > queuedBefore, 5000, "the command's read queued");
    assert.ok(inFlight(), 'the poll read is still on the wire: the command read waits behind it');
    const closedAt = flow.sim.requests.length;
    await (flow.command as Node & { close(removed: boolean): Promise<void> }).close(true);
    // the read on the wire ends, then two more poll reads: had the command's read not been
    // cancelled it would have gone first (a command outranks a poll)
    await waitFor(() => flow.sim.requests.slice(closedAt).filter((r) => r.count === POLL_READ && r.repliedAt !== null).length >= 2, 20000, 'two more poll reads answered');
    const after = flow.sim.requests.slice(closedAt);
    assert.deepEqual(
      after.filter((r) => r.count !== POLL_READ).map((r) => `fn ${r.functionCode} @${r.address}+${r.count}`),
      [],
      'nothing of the closed command reached the unit',
    );
    assert.equal(bus.state, 'open', 'the bus stays open for the poll');
  });
});
