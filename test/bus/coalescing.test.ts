/**
 * Coalescing across priority classes: a request that joins an identical queued one shares its
 * transaction, and the shared transaction runs in the highest class of those waiting for it — a
 * critical read that finds the same read queued in the background does not wait behind polls.
 */
import assert from 'node:assert/strict';
import { Bus } from '../../lib/bus/bus';
import { Priority } from '../../lib/bus/priority';
import { FakeLink, echoRun } from './fakeLink';
import { waitFor } from '../support/waitFor';

describe('bus arbiter: coalescing across priorities', () => {
  let bus: Bus | undefined;

  afterEach(async () => {
    await bus?.close();
    bus = undefined;
  });

  async function openBus(): Promise<{ bus: Bus; link: FakeLink }> {
    const link = new FakeLink((d) => ({ reply: Buffer.from(`v:${d.toString()}`), afterMs: 5 }));
    bus = new Bus('fake', { link: { kind: 'tcp', host: 'fake', port: 1 }, framing: 'rtu', timeoutMs: 100, pauseMs: 0, deadlineMs: 5000, trace: false }, { linkFactory: () => link });
    bus.start();
    await waitFor(() => bus?.state === 'open');
    return { bus, link };
  }

  it('runs a shared transaction in the highest class of its waiters', async () => {
    const { bus, link } = await openBus();
    const blocker = bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('block') });
    const background = bus.submit({ owner: 'a', priority: Priority.Background, coalesceKey: 'u1/energy', run: echoRun('energy') });
    const poll = bus.submit({ owner: 'b', priority: Priority.Poll, run: echoRun('poll') });
    const critical = bus.submit({ owner: 'c', priority: Priority.Critical, coalesceKey: 'u1/energy', run: echoRun('energy') });
    assert.equal(bus.counters().coalesced, 1);
    assert.deepEqual(await Promise.all([blocker, critical, background, poll]), ['v:block', 'v:energy', 'v:energy', 'v:poll']);
    assert.deepEqual(
      link.writes.map((w) => w.data.toString()),
      ['block', 'energy', 'poll'],
      'the shared read went before the poll, in the critical class',
    );
  });

  it('keeps a shared transaction in its own class when a lower one joins', async () => {
    const { bus, link } = await openBus();
    const blocker = bus.submit({ owner: 't', priority: Priority.Poll, run: echoRun('block') });
    const command = bus.submit({ owner: 'a', priority: Priority.Command, coalesceKey: 'k', run: echoRun('shared') });
    const poll = bus.submit({ owner: 'b', priority: Priority.Poll, run: echoRun('poll') });
    const background = bus.submit({ owner: 'c', priority: Priority.Background, coalesceKey: 'k', run: echoRun('shared') });
    await Promise.all([blocker, command, poll, background]);
    assert.deepEqual(
      link.writes.map((w) => w.data.toString()),
      ['block', 'shared', 'poll'],
    );
  });
});
