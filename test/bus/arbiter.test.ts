import assert from 'node:assert/strict';
import { Bus } from '../../lib/bus/bus';
import type { BusSettings } from '../../lib/bus/busSettings';
import { Priority } from '../../lib/bus/priority';
import { TransportError } from '../../lib/bus/errors';
import type { Scheduler } from '../../lib/time/scheduler';
import { VirtualScheduler } from '../../lib/time/virtualScheduler';
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


describe('bus arbiter', () => {
  let link: FakeLink;
  let bus: Bus;
  let virtual: VirtualScheduler | undefined;

  afterEach(async () => {
    const closing = bus?.close();
    await (virtual ? virtual.settle(closing) : closing);
    virtual = undefined;
  });

  function makeBus(respond?: ConstructorParameters<typeof FakeLink>[0], s: Partial<BusSettings> = {}, scheduler?: Scheduler): Bus {
    link = new FakeLink(respond ?? ((d) => ({ reply: Buffer.from(`ok:${d.toString()}`), afterMs: 2 })), scheduler);
    bus = new Bus('fake', { ...settings, ...s }, { linkFactory: () => link, scheduler });
    virtual = scheduler instanceof VirtualScheduler ? scheduler : undefined;
    bus.start();
    return bus;
  }

  it('serves critical before command before poll before background at each boundary', async () => {
    makeBus();
    await waitFor(() => bus.state === 'open');
    const order: string[] = [];
    const submit = (tag: string, priority: Priority): Promise<unknown> =>
      bus.submit({ owner: 't', priority, run: echoRun(tag) }).then(() => order.push(tag));
    // the first goes on the wire at once; the rest queue behind it
    const all = [
      submit('first', Priority.Background),
      submit('bg', Priority.Background),
      submit('poll', Priority.Poll),
      submit('cmd', Priority.Command),
      submit('crit', Priority.Critical),
    ];
    await Promise.all(all);
    assert.deepEqual(order, ['first', 'crit', 'cmd', 'poll', 'bg']);
  });

  it('never has two transactions on the wire and keeps t3.5 between them', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    makeBus(undefined, { link: { kind: 'tcp', host: 'fake', port: 1, lineBaudRate: 9600 } });
    await waitFor(() => bus.state === 'open');
    const runs = Array.from({ length: 50 }, (_, i) =>
      bus.submit({
        owner: `o${i % 5}`,
        priority: (i % 4) as Priority,
        run: async (ctx) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            return await echoRun(`r${i}`)(ctx);
          } finally {
            inFlight -= 1;
          }
        },
      }),
    );
    const results = await Promise.all(runs);
    assert.equal(maxInFlight, 1);
    assert.equal(results.length, 50);
    const t35 = (3.5 * 10 * 1000) / 9600;
    for (let i = 1; i < link.writes.length; i++) {
      // each write follows the previous reply (2 ms after the previous write) plus t3.5
      assert.ok(link.writes[i].at - link.writes[i - 1].at >= t35, `gap ${i} too short`);
    }
  });

  it('fails a request whose queue deadline passes and never sends it (virtual time: never, not "not yet")', async () => {
    const time = new VirtualScheduler();
    makeBus((d) => ({ reply: Buffer.from('x'), afterMs: d.toString() === 'slow' ? 80 : 1 }), { timeoutMs: 500 }, time);
    await time.runUntil(() => bus.state === 'open', 1000, 'the bus opening');
    const slow = bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('slow') });
    const late = bus.submit({ owner: 't', priority: Priority.Poll, deadlineMs: 20, run: echoRun('late') });
    await assert.rejects(time.settle(late), (err: unknown) => err instanceof TransportError && err.kind === 'deadline' && /not sent/.test(err.message));
    assert.equal(time.now() - 1000, 20, 'failed at its deadline, while the slow one was on the wire');
    await time.settle(slow);
    // an hour later on the bus's own clock: the expired request has still not gone out
    await time.run(3_600_000);
    assert.deepEqual(
      link.writes.map((w) => w.data.toString()),
      ['slow'],
    );
  });

  it('says which failed requests went out on the wire (onWire): a timeout, a link lost mid-exchange and a retry past its deadline did; a request expired in the queue did not', async () => {
    const time = new VirtualScheduler();
    makeBus((d) => (d.toString() === 'hang' || d.toString() === 'retried' ? { afterMs: 0 } : { reply: Buffer.from('ok'), afterMs: 1 }), { timeoutMs: 50 }, time);
    await time.runUntil(() => bus.state === 'open', 1000, 'the bus opening');
    const outcome = (p: Promise<unknown>): Promise<TransportError> => time.settle(p).then(() => assert.fail('resolved'), (e: unknown) => e as TransportError);

    const timedOut = await outcome(bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('hang') }));
    assert.deepEqual([timedOut.kind, timedOut.onWire], ['timeout', true]);

    // the first attempt times out at 50 ms; its retry waits behind a 200 ms exchange and its deadline (150 ms) passes in the queue
    const retried = bus.submit({ owner: 't', priority: Priority.Poll, retries: 1, deadlineMs: 150, run: echoRun('retried') });
    const blocker = bus.submit({ owner: 't', priority: Priority.Poll, timeoutMs: 200, run: echoRun('hang') });
    const retryErr = await outcome(retried);
    assert.deepEqual([retryErr.kind, retryErr.onWire], ['deadline', true], retryErr.message);
    assert.match(retryErr.message, /its retry was not sent/);
    await outcome(blocker);

    const blocked = bus.submit({ owner: 't', priority: Priority.Poll, timeoutMs: 200, run: echoRun('hang') });
    const expired = await outcome(bus.submit({ owner: 't', priority: Priority.Poll, deadlineMs: 20, run: echoRun('never') }));
    assert.deepEqual([expired.kind, expired.onWire], ['deadline', false]);
    await outcome(blocked);

    const lost = bus.submit({ owner: 't', priority: Priority.Poll, timeoutMs: 200, run: echoRun('hang') });
    await time.run(10);
    link.drop();
    const lostErr = await outcome(lost);
    assert.deepEqual([lostErr.kind, lostErr.onWire], ['closed', true], lostErr.message);
    assert.ok(!link.writes.some((w) => w.data.toString() === 'never'), 'the expired request never reached the wire');
  });

  it('coalesces identical queued polls into one transaction with one result', async () => {
    makeBus((d) => ({ reply: Buffer.from(`v:${d.toString()}`), afterMs: 20 }));
    await waitFor(() => bus.state === 'open');
    const blocker = bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('block') });
    const same = Array.from({ length: 10 }, () => bus.submit({ owner: 't', priority: Priority.Poll, coalesceKey: 'unit1/status', run: echoRun('status') }));
    assert.equal(bus.counters().queueLength, 1);
    const values = await Promise.all(same);
    await blocker;
    assert.deepEqual(new Set(values), new Set(['v:status']));
    assert.equal(link.writes.filter((w) => w.data.toString() === 'status').length, 1);
    assert.equal(bus.counters().coalesced, 9);
  });

  it('marks a silent unit unreachable, fails its requests at once, re-probes with growing backoff, and serves the others', async () => {
    const time = new VirtualScheduler();
    let deadAnswers = false;
    makeBus((d) => (d.toString().startsWith('dead') && !deadAnswers ? { afterMs: 0 } : { reply: Buffer.from('ok'), afterMs: 1 }), { timeoutMs: 20 }, time);
    bus.setUnitPolicy('u:', { missesToUnreachable: 2, backoffInitialMs: 1000, backoffMaxMs: 4000, backoffFactor: 2 });
    await time.runUntil(() => bus.state === 'open', 1000, 'the bus opening');
    const ask = (unit: string): Promise<string> => time.settle(bus.submit({ owner: 't', unit, priority: Priority.Poll, run: echoRun(`${unit === 'u:dead' ? 'dead' : 'live'}`) }));
    await assert.rejects(ask('u:dead'), { kind: 'timeout' });
    await assert.rejects(ask('u:dead'), { kind: 'timeout' });
    assert.ok(bus.isUnreachable('u:dead'));
    const markedAt = time.now();
    const writesBefore = link.writes.length;
    await assert.rejects(ask('u:dead'), (e: unknown) => e instanceof TransportError && e.kind === 'unreachable' && /next probe/.test(e.message));
    assert.equal(link.writes.length, writesBefore, 'an unreachable unit must not reach the wire');
    assert.equal(await ask('u:live'), 'ok');
    await time.run(markedAt + 999 - time.now());
    await assert.rejects(ask('u:dead'), { kind: 'unreachable' }, '1 ms before the first probe is due');
    await time.run(1);
    await assert.rejects(ask('u:dead'), { kind: 'timeout' }, 'the first probe, due 1000 ms after the unit was marked');
    const probedAt = time.now();
    await time.run(1500);
    await assert.rejects(ask('u:dead'), { kind: 'unreachable' }, 'backoff doubled to 2000: not due yet');
    await time.run(probedAt + 2000 - time.now());
    deadAnswers = true;
    assert.equal(await ask('u:dead'), 'ok');
    assert.ok(!bus.isUnreachable('u:dead'));
    assert.deepEqual(bus.counters().unreachable, []);
  });

  it('retries a timed-out request within its deadline', async () => {
    let attempts = 0;
    makeBus(() => (++attempts < 3 ? { afterMs: 0 } : { reply: Buffer.from('third time'), afterMs: 1 }), { timeoutMs: 20 });
    await waitFor(() => bus.state === 'open');
    const result = await bus.submit({ owner: 't', priority: Priority.Command, retries: 3, run: echoRun('cmd') });
    assert.equal(result, 'third time');
    assert.equal(bus.counters().retries, 2);
  });

  it('fails the transaction on the wire when the link drops, keeps the queue, and reopens', async () => {
    makeBus((d) => (d.toString() === 'hang' ? { afterMs: 0 } : { reply: Buffer.from('ok'), afterMs: 1 }), { timeoutMs: 2000 });
    await waitFor(() => bus.state === 'open');
    const onWire = bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('hang') });
    const queued = bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('after') });
    await waitFor(() => link.writes.length === 1);
    link.failOpens = 1;
    link.drop();
    await assert.rejects(onWire, { kind: 'closed' });
    assert.equal(bus.state, 'reconnecting');
    assert.equal(await queued, 'ok');
    assert.equal(bus.state, 'open');
  });

  it('counts the late-reply guard from the request\'s write, not from the start of its transaction', async () => {
    makeBus(() => ({ afterMs: 1 })); // the device never answers
    await waitFor(() => bus.state === 'open');
    const guardMs = 150;
    // the transaction stalls 60 ms before it writes (as a GC pause would), then times out
    const stalled = bus.submit({
      owner: 't',
      priority: Priority.Poll,
      timeoutMs: 100,
      lateReplyGuardMs: guardMs,
      run: async (ctx) => {
        await new Promise((r) => setTimeout(r, 60));
        return echoRun('stalled')(ctx);
      },
    });
    const next = bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('next') }).catch(() => undefined);
    await assert.rejects(stalled, (err: unknown) => err instanceof TransportError && err.kind === 'timeout');
    await next;
    const [first, second] = link.writes;
    assert.equal(second.data.toString(), 'next');
    assert.ok(second.at - first.at >= guardMs, `the next request went ${(second.at - first.at).toFixed(1)} ms after the stalled write; the guard is ${guardMs} ms`);
  });

  it('discards bytes that arrive between transactions', async () => {
    makeBus();
    await waitFor(() => bus.state === 'open');
    link.emit('data', Buffer.from('stale'));
    assert.equal(await bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('q') }), 'ok:q');
  });

  it('restarts the silence when stray bytes arrive between transactions', async () => {
    makeBus(undefined, { link: { kind: 'tcp', host: 'fake', port: 1, lineBaudRate: 1200 } });
    await waitFor(() => bus.state === 'open');
    const t35 = (3.5 * 10 * 1000) / 1200; // 29 ms
    await bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('a') });
    await new Promise((r) => setTimeout(r, t35 / 2));
    const strayAt = performance.now();
    link.emit('data', Buffer.from('late reply'));
    await bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('b') });
    assert.ok(link.writes[1].at - strayAt >= t35, `sent ${(link.writes[1].at - strayAt).toFixed(1)} ms after stray bytes, t3.5 is ${t35.toFixed(1)} ms`);
  });

  it('fails everything queued when closed, with no timer left', async () => {
    makeBus(() => ({ afterMs: 0 }), { timeoutMs: 5000 });
    await waitFor(() => bus.state === 'open');
    const pending = Promise.allSettled([1, 2, 3].map((i) => bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun(`x${i}`) })));
    await bus.close();
    const outcomes = await pending;
    for (const o of outcomes) assert.equal(o.status, 'rejected');
    assert.equal(bus.state, 'closed');
    await assert.rejects(bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('y') }), { kind: 'closed' });
  });

  it('counts transactions, errors by kind and utilisation', async () => {
    makeBus((d) => (d.toString() === 'bad' ? { afterMs: 0 } : { reply: Buffer.from('ok'), afterMs: 5 }), { timeoutMs: 20 });
    await waitFor(() => bus.state === 'open');
    await bus.submit({ owner: 't', unit: 'u:1', priority: Priority.Poll, run: echoRun('good') });
    await assert.rejects(bus.submit({ owner: 't', unit: 'u:2', priority: Priority.Poll, run: echoRun('bad') }));
    const c = bus.counters();
    assert.equal(c.transactions, 2);
    assert.equal(c.errors, 1);
    assert.equal(c.errorsByKind.timeout, 1);
    assert.ok(c.utilisation > 0 && c.utilisation <= 1);
    assert.ok(typeof c.lastSuccess['u:1'] === 'number');
    assert.equal(c.lastSuccess['u:2'], undefined);
  });
});
