/**
 * The Modbus client's error mapping (`typedError`): what modbus-serial rejects with becomes one of
 * the three kinds of lib/bus/errors.ts. The timeout and CRC cases are produced by modbus-serial
 * itself (a client on an `RtuFramePort` fed by hand), so a change in its error shapes fails here.
 */
import assert from 'node:assert/strict';
import ModbusRTU from 'modbus-serial';
import { EventEmitter } from 'node:events';
import { ModbusException, ProtocolError, TransportError } from '../../lib/bus/errors';
import type { Link } from '../../lib/bus/link';
import type { TransactionContext } from '../../lib/bus/request';
import { systemScheduler } from '../../lib/time/scheduler';
import { typedError } from '../../lib/modbus/modbusClient';
import { RtuFramePort } from '../../lib/modbus/rtuFramePort';

describe('Modbus client: error mapping (typedError)', () => {
  it('keeps errors that are already typed', () => {
    const t = new TransportError('closed', 'x');
    const m = new ModbusException(2, 10, 3);
    assert.equal(typedError(t, 10, 3, 0), t);
    assert.equal(typedError(m, 10, 3, 0), m);
  });

  it('maps an exception reply to ModbusException with its code, unit and function', () => {
    const err = Object.assign(new Error('Modbus exception 2: Illegal data address'), { modbusCode: 2 });
    const e = typedError(err, 10, 3, 5);
    assert.ok(e instanceof ModbusException);
    assert.deepEqual([e.code, e.unit, e.functionCode], [2, 10, 3]);
  });

  const cases: [string, object, number, string][] = [
    ['a timeout with nothing received', { name: 'TransactionTimedOutError', message: 'Timed out', errno: 'ETIMEDOUT' }, 0, 'timeout'],
    ['a timeout after some bytes', { name: 'TransactionTimedOutError', message: 'Timed out', errno: 'ETIMEDOUT' }, 3, 'truncated'],
    ['ETIMEDOUT alone', { message: 'x', errno: 'ETIMEDOUT' }, 0, 'timeout'],
    ['a CRC error', new Error('CRC error'), 9, 'crc'],
    ['a short frame', new Error('Data length error, expected 13 got 4'), 4, 'truncated'],
    ['a port that is not open', { name: 'PortNotOpenError', message: 'Port Not Open', errno: 'ECONNREFUSED' }, 0, 'closed'],
  ];
  for (const [what, err, received, kind] of cases) {
    it(`maps ${what} to TransportError('${kind}') for the unit's key`, () => {
      const e = typedError(err, 12, 3, received);
      assert.ok(e instanceof TransportError, String(e));
      assert.equal(e.kind, kind);
      assert.equal(e.unit, 'modbus:12');
      assert.match(e.message, /unit 12|port not open/);
    });
  }

  it('maps an answer that does not match (another address, another function) to ProtocolError', () => {
    for (const message of ['Unexpected data error, expected address 10 got 11', 'Unexpected data error, expected code 3 got 4']) {
      const e = typedError(new Error(message), 10, 3, 13);
      assert.ok(e instanceof ProtocolError);
      assert.match(e.message, /^unit 10: Unexpected data error/);
    }
    assert.ok(typedError('a string', 10, 3, 0) instanceof ProtocolError);
  });

  describe("with modbus-serial's own errors", () => {
    function harness(): { client: ModbusRTU; port: RtuFramePort; feed(b: Buffer): void; unbind(): void } {
      const port = new RtuFramePort();
      const client = new ModbusRTU(port as unknown as ConstructorParameters<typeof ModbusRTU>[0]);
      client.open(() => undefined);
      const data = new EventEmitter();
      const ctx: TransactionContext = {
        link: {} as Link,
        scheduler: systemScheduler,
        timeoutMs: 30,
        signal: new AbortController().signal,
        onData: (l) => {
          data.on('data', l);
          return () => data.off('data', l);
        },
        write: async () => undefined,
        trace: () => undefined,
      };
      const unbind = port.bind(ctx, () => undefined);
      client.setID(10);
      client.setTimeout(30);
      return { client, port, feed: (b) => data.emit('data', b), unbind };
    }

    it('a read nobody answers → timeout', async () => {
      const h = harness();
      try {
        const err = await h.client.readHoldingRegisters(0, 2).then(() => undefined, (e: unknown) => e);
        const e = typedError(err, 10, 3, 0);
        assert.ok(e instanceof TransportError && e.kind === 'timeout', String(e));
      } finally {
        h.unbind();
      }
    });

    it('a reply with a bad CRC → crc', async () => {
      const h = harness();
      try {
        const call = h.client.readHoldingRegisters(0, 1).then(() => undefined, (e: unknown) => e);
        // unit 10, function 3, 2 bytes, value 0x0001, CRC bytes wrong
        h.feed(Buffer.from([0x0a, 0x03, 0x02, 0x00, 0x01, 0x00, 0x00]));
        const e = typedError(await call, 10, 3, 7);
        assert.ok(e instanceof TransportError && e.kind === 'crc', String(e));
      } finally {
        h.unbind();
      }
    });
  });
});
