import assert from 'node:assert/strict';
import { Bus } from '../../lib/bus/bus';
import { Priority } from '../../lib/bus/priority';
import { TransportError } from '../../lib/bus/errors';
import { FakeLink, echoRun } from './fakeLink';

describe('bus arbiter: retries of a unit that does not answer', () => {
  let bus: Bus | undefined;

  afterEach(async () => {
    await bus?.close();
  });

  it('go behind the requests already waiting for the other units', async () => {
    // "A" never gets an answer; "B" does
    const link = new FakeLink((d) => (d.toString() === 'A' ? { afterMs: 0 } : { reply: Buffer.from('ok'), afterMs: 2 }));
    bus = new Bus('fake', { link: { kind: 'tcp', host: 'fake', port: 1 }, framing: 'rtu', timeoutMs: 50, pauseMs: 0, deadlineMs: 5000, trace: false }, { linkFactory: () => link });
    bus.start();
    const until = Date.now() + 2000;
    while (bus.state !== 'open' && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    const a = bus.submit({ owner: 't', unit: 'modbus:10', priority: Priority.Command, retries: 2, run: echoRun('A') });
    const b = bus.submit({ owner: 't', unit: 'modbus:11', priority: Priority.Command, run: echoRun('B') });
    await assert.rejects(a, (err: unknown) => err instanceof TransportError && err.kind === 'timeout');
    assert.equal(await b, 'ok');
    assert.deepEqual(
      link.writes.map((w) => w.data.toString()),
      ['A', 'B', 'A', 'A'],
    );
  });
});

describe('bus arbiter: retry after the link closed under a transaction', () => {
  let bus: Bus | undefined;

  afterEach(async () => {
    await bus?.close();
  });

  it('sends the retry once the link is back, within the deadline, and it gets the answer', async () => {
    let dropOnWrite = true;
    const link = new FakeLink(() => ({ reply: Buffer.from('ok'), afterMs: 20 }));
    bus = new Bus('fake', { link: { kind: 'tcp', host: 'fake', port: 1 }, framing: 'rtu', timeoutMs: 200, pauseMs: 0, deadlineMs: 5000, trace: false }, { linkFactory: () => link });
    bus.start();
    const until = Date.now() + 2000;
    while (bus.state !== 'open' && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    const states: string[] = [];
    bus.on('state', (s: string) => states.push(s));
    const result = bus.submit({
      owner: 't',
      unit: 'modbus:10',
      priority: Priority.Command,
      retries: 1,
      run: async (ctx) => {
        const answer = echoRun('W')(ctx);
        if (dropOnWrite) {
          dropOnWrite = false;
          setImmediate(() => link.drop()); // unplugged while the request is on the wire
        }
        return answer;
      },
    });
    assert.equal(await result, 'ok');
    assert.equal(link.writes.length, 2, 'the first attempt and its retry');
    assert.equal(bus.counters().retries, 1);
    assert.equal(bus.counters().errorsByKind.closed, 1);
    assert.ok(states.includes('reconnecting') && states.at(-1) === 'open', states.join(' → '));
  });

  it('fails with the closed error when no retry is left', async () => {
    const link = new FakeLink(() => ({ reply: Buffer.from('ok'), afterMs: 20 }));
    bus = new Bus('fake', { link: { kind: 'tcp', host: 'fake', port: 1 }, framing: 'rtu', timeoutMs: 200, pauseMs: 0, deadlineMs: 5000, trace: false }, { linkFactory: () => link });
    bus.start();
    const until = Date.now() + 2000;
    while (bus.state !== 'open' && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    const result = bus.submit({
      owner: 't',
      priority: Priority.Command,
      run: async (ctx) => {
        const answer = echoRun('W')(ctx);
        setImmediate(() => link.drop());
        return answer;
      },
    });
    await assert.rejects(result, (err: unknown) => err instanceof TransportError && err.kind === 'closed');
    assert.equal(link.writes.length, 1, 'never sent again');
  });
});
