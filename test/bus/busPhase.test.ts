import assert from 'node:assert/strict';
import { Bus } from '../../lib/bus/bus';
import { BUS_TRANSITIONS, type BusPhase } from '../../lib/bus/busPhase';
import type { BusSettings } from '../../lib/bus/busSettings';
import { Priority } from '../../lib/bus/priority';
import { FakeLink, echoRun } from './fakeLink';
import { waitFor } from '../support/waitFor';

const settings: BusSettings = {
  link: { kind: 'tcp', host: 'fake', port: 1, lineBaudRate: 9600 },
  framing: 'rtu',
  timeoutMs: 100,
  pauseMs: 5,
  deadlineMs: 5000,
  trace: false,
};

/**
 * Walks every move of the arbiter's state machine (lib/bus/busPhase.ts) on a fake link, each
 * reached by what causes it in service: a request, the silence, stray bytes, a failed open, an
 * unplug, and a close in every phase it can come in.
 */
describe('bus phases', () => {
  const seen = new Set<string>();
  const buses: Bus[] = [];

  afterEach(async () => {
    for (const b of buses.splice(0)) await b.close();
  });

  /** A bus whose every move is recorded; `closeIn` closes it the moment it enters that phase. */
  function makeBus(closeIn?: BusPhase, link = new FakeLink((d) => ({ reply: Buffer.from(`ok:${d.toString()}`), afterMs: 1 }))): { bus: Bus; link: FakeLink; moves: string[]; closed: () => Promise<void> } {
    const moves: string[] = [];
    let closing: Promise<void> | undefined;
    const bus: Bus = new Bus('fake', settings, {
      linkFactory: () => link,
      onPhase: (from, to) => {
        moves.push(`${from}->${to}`);
        seen.add(`${from}->${to}`);
        if (to === closeIn && !closing) closing = bus.close();
      },
    });
    buses.push(bus);
    return { bus, link, moves, closed: async () => waitFor(() => closing !== undefined).then(() => closing) };
  }

  it('serves a request: new → opening → idle → in flight → yielding → idle → silence → idle, then closes', async () => {
    const { bus, moves } = makeBus();
    bus.start();
    await waitFor(() => bus.phase === 'idle');
    // b is queued while a is on the wire; a's pause (long enough to outlast a loaded machine's
    // stall) makes b wait in the silence
    const [a, b] = await Promise.all([
      bus.submit({ owner: 't', priority: Priority.Poll, pauseAfterMs: 300, run: echoRun('a') }),
      bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('b') }),
    ]);
    assert.deepEqual([a, b], ['ok:a', 'ok:b']);
    await waitFor(() => bus.phase === 'idle');
    await bus.close();
    assert.equal(bus.phase, 'closed');
    assert.deepEqual(moves.slice(0, 6), ['new->opening', 'opening->idle', 'idle->inFlight', 'inFlight->yielding', 'yielding->idle', 'idle->silence']);
    assert.deepEqual(moves.slice(-2), ['idle->closing', 'closing->closed']);
  });

  it('drains the line after stray bytes before the next write', async () => {
    const { bus, link, moves } = makeBus();
    bus.start();
    await waitFor(() => bus.phase === 'idle');
    link.emit('data', Buffer.from('noise'));
    assert.equal(await bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('a') }), 'ok:a');
    assert.ok(moves.includes('idle->draining') && moves.includes('draining->idle'), moves.join(' '));
    assert.ok(moves.indexOf('draining->idle') < moves.indexOf('idle->inFlight'));
  });

  it('reconnects after a failed open and after an unplug while idle', async () => {
    const link = new FakeLink((d) => ({ reply: Buffer.from(`ok:${d.toString()}`), afterMs: 1 }));
    link.failOpens = 1;
    const { bus, moves } = makeBus(undefined, link);
    bus.start();
    await waitFor(() => bus.phase === 'idle');
    assert.deepEqual(moves.slice(0, 4), ['new->opening', 'opening->reconnecting', 'reconnecting->opening', 'opening->idle']);
    link.drop();
    assert.equal(bus.phase, 'reconnecting');
    await waitFor(() => bus.phase === 'idle');
    assert.equal(await bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('a') }), 'ok:a');
  });

  it('an unplug during a transaction fails it, and the bus reconnects once the wire is free', async () => {
    const { bus, link, moves } = makeBus(undefined, new FakeLink(() => ({ afterMs: 1 })));
    bus.start();
    await waitFor(() => bus.phase === 'idle');
    const hung = bus.submit({ owner: 't', priority: Priority.Poll, timeoutMs: 5000, run: echoRun('hang') });
    await waitFor(() => bus.phase === 'inFlight');
    link.drop();
    await assert.rejects(hung, { kind: 'closed' });
    await waitFor(() => moves.includes('idle->reconnecting'));
    assert.ok(moves.indexOf('inFlight->yielding') < moves.indexOf('idle->reconnecting'));
  });

  for (const phase of ['new', 'opening', 'silence', 'draining', 'inFlight', 'yielding', 'reconnecting'] as const) {
    it(`closes from ${phase}`, async () => {
      const link = new FakeLink((d) => ({ reply: Buffer.from(`ok:${d.toString()}`), afterMs: 1 }));
      if (phase === 'reconnecting') link.failOpens = 1;
      const { bus, moves, closed } = makeBus(phase === 'new' ? undefined : phase, link);
      if (phase === 'new') {
        await bus.close();
      } else {
        bus.start();
        if (phase === 'draining') {
          await waitFor(() => bus.phase === 'idle');
          link.emit('data', Buffer.from('noise'));
        }
        if (['silence', 'draining', 'inFlight', 'yielding'].includes(phase)) {
          await waitFor(() => bus.phase === 'idle' || bus.phase === 'closed' || bus.phase === 'closing');
          // the request may end closed (the close came first) or answered: either way it settles
          await Promise.allSettled([1, 2].map((i) => bus.submit({ owner: 't', priority: Priority.Poll, pauseAfterMs: 300, run: echoRun(`r${i}`) })));
        }
        await closed();
      }
      assert.equal(bus.phase, 'closed');
      assert.ok(moves.includes(`${phase}->closing`), moves.join(' '));
      assert.equal(moves[moves.length - 1], 'closing->closed');
    });
  }

  it('walked every move of the table (runs after the scenarios above)', () => {
    const all = Object.entries(BUS_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}->${to}`));
    assert.deepEqual(all.filter((m) => !seen.has(m)), [], 'moves of the table no scenario walked');
  });
});
