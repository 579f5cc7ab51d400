import assert from 'node:assert/strict';
import { Bus } from '../../lib/bus/bus';
import type { BusSettings } from '../../lib/bus/busSettings';
import { Priority } from '../../lib/bus/priority';
import { TransportError } from '../../lib/bus/errors';
import type { Clock } from '../../lib/bus/clock';
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

  afterEach(async () => {
    await bus?.close();
  });

  function makeBus(respond?: ConstructorParameters<typeof FakeLink>[0], s: Partial<BusSettings> = {}, clock?: Clock): Bus {
    link = new FakeLink(respond ?? ((d) => ({ reply: Buffer.from(`ok:${d.toString()}`), afterMs: 2 })));
    bus = new Bus('fake', { ...settings, ...s }, { linkFactory: () => link, clock });
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

  it('fails a request whose queue deadline passes and never sends it', async () => {
    makeBus((d) => ({ reply: Buffer.from('x'), afterMs: d.toString() === 'slow' ? 80 : 1 }), { timeoutMs: 500 });
    await waitFor(() => bus.state === 'open');
    const slow = bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('slow') });
    const late = bus.submit({ owner: 't', priority: Priority.Poll, deadlineMs: 20, run: echoRun('late') });
    await assert.rejects(late, (err: unknown) => err instanceof TransportError && err.kind === 'deadline' && /not sent/.test(err.message));
    await slow;
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      link.writes.map((w) => w.data.toString()),
      ['slow'],
    );
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
    let now = 0;
    const clock: Clock = { now: () => now };
    let deadAnswers = false;
    makeBus((d) => (d.toString().startsWith('dead') && !deadAnswers ? { afterMs: 0 } : { reply: Buffer.from('ok'), afterMs: 1 }), { timeoutMs: 20 }, clock);
    bus.setUnitPolicy('u:', { missesToUnreachable: 2, backoffInitialMs: 1000, backoffMaxMs: 4000, backoffFactor: 2 });
    await waitFor(() => bus.state === 'open');
    const ask = (unit: string): Promise<string> => bus.submit({ owner: 't', unit, priority: Priority.Poll, run: echoRun(`${unit === 'u:dead' ? 'dead' : 'live'}`) });
    await assert.rejects(ask('u:dead'), { kind: 'timeout' });
    await assert.rejects(ask('u:dead'), { kind: 'timeout' });
    assert.ok(bus.isUnreachable('u:dead'));
    const writesBefore = link.writes.length;
    await assert.rejects(ask('u:dead'), (e: unknown) => e instanceof TransportError && e.kind === 'unreachable' && /next probe/.test(e.message));
    assert.equal(link.writes.length, writesBefore, 'an unreachable unit must not reach the wire');
    assert.equal(await ask('u:live'), 'ok');
    now = 1000; // first probe due
    await assert.rejects(ask('u:dead'), { kind: 'timeout' });
    now = 2500; // backoff doubled to 2000: not due yet
    await assert.rejects(ask('u:dead'), { kind: 'unreachable' });
    now = 3000;
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
