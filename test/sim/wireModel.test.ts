import * as assert from 'node:assert/strict';
import { WireModel } from '../../lib/sim/wireModel';

describe('sim/wireModel', () => {
  it('holds a 10-register read at 9600 8N1 for both frames, t3.5 and the turnaround', () => {
    const wire = new WireModel({ baudRate: 9600, turnaroundMs: 20 });
    const charMs = 10 / 9.6; // 10 bits per character at 9600 baud
    assert.ok(Math.abs(wire.replyDelayMs(8, 25) - (33 * charMs + 3.5 * charMs + 20)) < 1e-9);
  });

  it('counts 11 bits per character with parity', () => {
    const wire = new WireModel({ baudRate: 19200, format: { dataBits: 8, parity: 'even', stopBits: 1 }, turnaroundMs: 0 });
    const charMs = 11 / 19.2;
    assert.ok(Math.abs(wire.replyDelayMs(8, 8) - (16 * charMs + 3.5 * charMs)) < 1e-9);
  });

  it('uses the fixed 1.75 ms silence above 19200 baud', () => {
    const wire = new WireModel({ baudRate: 115200, turnaroundMs: 5 });
    assert.equal(wire.t35Ms, 1.75);
    assert.ok(Math.abs(wire.replyDelayMs(8, 205) - (213 * (10 / 115.2) + 1.75 + 5)) < 1e-9);
  });

  it('refuses a baud rate that is not positive', () => {
    assert.throws(() => new WireModel({ baudRate: 0, turnaroundMs: 0 }), /baudRate/);
  });
});
