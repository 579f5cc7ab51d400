import assert from 'node:assert/strict';
import { Bus } from '../../lib/bus/bus';
import type { ContextSlot } from '../../lib/bus/busContext';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { FakeLink } from './fakeLink';

const settings = { link: { kind: 'tcp', host: 'fake', port: 1 }, framing: 'rtu', timeoutMs: 100, pauseMs: 0, deadlineMs: 1000, trace: false } as const;

describe('bus context', () => {
  it('keeps one value per slot per bus, made on first use with its bus, and a new bus starts afresh', async () => {
    const made: Bus[] = [];
    const slot: ContextSlot<{ bus: Bus }> = {
      name: 'test state',
      create: (bus) => {
        made.push(bus);
        return { bus };
      },
    };
    const a = new Bus('a', settings, { linkFactory: () => new FakeLink() });
    const b = new Bus('b', settings, { linkFactory: () => new FakeLink() });
    assert.equal(a.context.get(slot), a.context.get(slot));
    assert.notEqual(a.context.get(slot), b.context.get(slot));
    assert.deepEqual(made, [a, b]);
    assert.deepEqual(a.context.names(), ['test state']);
    assert.equal(modbusClientFor(a), modbusClientFor(a), 'one Modbus client per bus');
    assert.notEqual(modbusClientFor(a), modbusClientFor(b));
    await a.close();
    await b.close();
  });
});
