import assert from 'node:assert/strict';
import { Bus } from '../../lib/bus/bus';
import type { BusSettings } from '../../lib/bus/busSettings';
import type { TransactionContext } from '../../lib/bus/request';
import { Priority } from '../../lib/bus/priority';
import { TransportError } from '../../lib/bus/errors';
import { FakeLink, echoRun } from './fakeLink';
import { waitFor } from '../support/waitFor';

const settings: BusSettings = {
  link: { kind: 'tcp', host: 'fake', port: 1 },
  framing: 'rtu',
  timeoutMs: 100,
  pauseMs: 0,
  deadlineMs: 5000,
  trace: false,
};

/** A request that holds the wire until `release` is called, then answers. */
function blockingRun(): { run: (ctx: TransactionContext) => Promise<string>; release: () => void; signal: () => AbortSignal | undefined } {
  // the gate exists before the run: a release that comes before the run reaches it is not lost
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let signal: AbortSignal | undefined;
  return {
    run: async (ctx) => {
      signal = ctx.signal;
      await ctx.write(Buffer.from('block'));
      await gate;
      return 'done';
    },
    release: () => release(),
    signal: () => signal,
  };
}

describe('bus cancellation', () => {
  let link: FakeLink;
  let bus: Bus;

  afterEach(async () => {
    await bus?.close();
  });

  async function openBus(s: Partial<BusSettings> = {}): Promise<Bus> {
    link = new FakeLink((d) => ({ reply: Buffer.from(`ok:${d.toString()}`), afterMs: 1 }));
    bus = new Bus('fake', { ...settings, ...s }, { linkFactory: () => link });
    bus.start();
    await waitFor(() => bus.state === 'open');
    return bus;
  }

  const written = (): string[] => link.writes.map((w) => w.data.toString());

  it("cancelOwner ends that owner's queued requests with 'cancelled', never sends them, and leaves the others", async () => {
    await openBus();
    const block = blockingRun();
    const onWire = bus.submit({ owner: 'poll', priority: Priority.Poll, run: block.run });
    await waitFor(() => written().includes('block'));
    const mine = [1, 2, 3].map((i) => bus.submit({ owner: 'poll', unit: `u:${i}`, priority: Priority.Poll, run: echoRun(`mine${i}`) }));
    const theirs = bus.submit({ owner: 'command', priority: Priority.Command, run: echoRun('theirs') });
    assert.equal(bus.cancelOwner('poll'), 3);
    for (const p of mine) await assert.rejects(p, (err: TransportError) => err.kind === 'cancelled' && /cancelled before it was sent: its node closed/.test(err.message));
    block.release();
    // the one on the wire completes: cutting it short would leave the reply to meet the next frame
    assert.equal(await onWire, 'done');
    assert.equal(await theirs, 'ok:theirs');
    assert.deepEqual(written(), ['block', 'theirs']);
    assert.equal(bus.counters().queueLength, 0);
  });

  it('a coalesced request loses only the cancelled owner; it is still sent for the other', async () => {
    await openBus();
    const block = blockingRun();
    const onWire = bus.submit({ owner: 'x', priority: Priority.Poll, run: block.run });
    await waitFor(() => written().includes('block'));
    const a = bus.submit({ owner: 'a', priority: Priority.Poll, coalesceKey: 'k', run: echoRun('shared') });
    const b = bus.submit({ owner: 'b', priority: Priority.Poll, coalesceKey: 'k', run: echoRun('shared') });
    bus.cancelOwner('a');
    await assert.rejects(a, { kind: 'cancelled' });
    block.release();
    await onWire;
    assert.equal(await b, 'ok:shared');
    assert.deepEqual(written(), ['block', 'shared']);
  });

  it("a request's AbortSignal cancels it while queued; aborted before submission it never queues", async () => {
    await openBus();
    const block = blockingRun();
    const onWire = bus.submit({ owner: 'x', priority: Priority.Poll, run: block.run });
    await waitFor(() => written().includes('block'));
    const stop = new AbortController();
    const queued = bus.submit({ owner: 'x', priority: Priority.Poll, signal: stop.signal, run: echoRun('queued') });
    stop.abort(new Error('the reader stopped'));
    await assert.rejects(queued, (err: TransportError) => err.kind === 'cancelled' && /the reader stopped/.test(err.message));
    await assert.rejects(bus.submit({ owner: 'x', priority: Priority.Poll, signal: stop.signal, run: echoRun('late') }), { kind: 'cancelled' });
    block.release();
    await onWire;
    assert.equal(await bus.submit({ owner: 'x', priority: Priority.Poll, run: echoRun('after') }), 'ok:after');
    assert.deepEqual(written(), ['block', 'after']);
  });

  it('an abort once the request is on the wire changes nothing: the exchange completes and settles it', async () => {
    await openBus();
    const stop = new AbortController();
    const block = blockingRun();
    const onWire = bus.submit({ owner: 'x', priority: Priority.Poll, signal: stop.signal, run: block.run });
    await waitFor(() => written().includes('block'));
    stop.abort();
    block.release();
    assert.equal(await onWire, 'done');
  });

  it('a request retried after a timeout is cancelled, not re-sent, once its signal aborted', async () => {
    const stop = new AbortController();
    // never answers; its owner stops as the first attempt goes out
    link = new FakeLink(() => {
      stop.abort();
      return { afterMs: 1 };
    });
    bus = new Bus('fake', settings, { linkFactory: () => link });
    bus.start();
    await waitFor(() => bus.state === 'open');
    const silent = bus.submit({ owner: 'x', priority: Priority.Poll, retries: 3, signal: stop.signal, run: echoRun('silent') });
    await assert.rejects(silent, { kind: 'cancelled' });
    assert.equal(written().length, 1);
  });

  it('the guard timeout aborts the transaction it gives up on (its signal), and the request fails with a timeout', async () => {
    await openBus({ timeoutMs: 20 });
    let seen: AbortSignal | undefined;
    const stuck = bus.submit({
      owner: 'x',
      priority: Priority.Poll,
      // a run that ignores its own timeout: the arbiter takes the wire back after timeout + guard
      run: (ctx) => {
        seen = ctx.signal;
        return new Promise<string>((resolve) => ctx.signal.addEventListener('abort', () => resolve('aborted'), { once: true }));
      },
    });
    await assert.rejects(stuck, { kind: 'timeout' });
    assert.ok(seen?.aborted, 'the transaction was told it was given up on');
    assert.equal((seen?.reason as TransportError).kind, 'timeout');
  });

  it('close aborts a transaction still on the wire after its quiet window, and what was queued is failed, never sent', async () => {
    await openBus({ timeoutMs: 60000 });
    let seen: AbortSignal | undefined;
    const hung = bus.submit({
      owner: 'x',
      priority: Priority.Poll,
      timeoutMs: 60000,
      run: (ctx) => {
        seen = ctx.signal;
        return new Promise<string>(() => undefined); // never settles by itself
      },
    });
    const queued = bus.submit({ owner: 'y', priority: Priority.Poll, run: echoRun('queued') });
    await waitFor(() => seen !== undefined);
    const closing = bus.close();
    await assert.rejects(queued, { kind: 'closed' });
    await assert.rejects(hung, { kind: 'cancelled' });
    await closing;
    assert.ok(seen?.aborted);
    assert.deepEqual(written(), []);
  });
});
