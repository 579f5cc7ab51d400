/**
 * The contract with modbus-serial's internals that lib/modbus relies on. There is no public API
 * for "assemble RTU frames from bytes I hand you" nor for "drop what a TcpPort holds", so the
 * dependency is pinned to one exact version (package.json) and this test fails — naming what
 * moved — when an upgrade changes any of:
 *  - RTUBufferedPort: `_client` (its byte source) carries exactly one 'data' listener, the frame
 *    assembler, which collects into `_buffer` and emits a whole frame of the length `write` set up;
 *  - TcpPort: `_clientRcvData` holds bytes not yet cut into MBAP frames, and replacing it drops them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import RTUBufferedPort from 'modbus-serial/ports/rtubufferedport';
import TcpPort from 'modbus-serial/ports/tcpport';

const ROOT = path.join(__dirname, '..', '..', '..');
const PINNED = '8.0.25';

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

describe('modbus-serial: the internals lib/modbus uses', () => {
  it(`is pinned to exactly ${PINNED}, and that is what is installed`, () => {
    const deps = readJson(path.join(ROOT, 'package.json')).dependencies as Record<string, string>;
    assert.equal(deps['modbus-serial'], PINNED, 'package.json pins modbus-serial exactly (an upgrade must re-check this contract)');
    const installed = readJson(require.resolve('modbus-serial/package.json')).version;
    assert.equal(installed, PINNED);
  });

  it('RTUBufferedPort: one data listener on _client assembles _buffer into whole frames', () => {
    const port = new RTUBufferedPort('/dev/null', { baudRate: 9600, autoOpen: false });
    const source = port._client;
    assert.ok(source instanceof EventEmitter, '_client is an EventEmitter');
    const listeners = source.listeners('data');
    assert.equal(listeners.length, 1, 'exactly one data listener: the frame assembler');
    assert.ok(Buffer.isBuffer(port._buffer) && port._buffer.length === 0, '_buffer starts empty');
    // what lib/modbus/rtuFramePort.ts does: the assembler moved onto a byte source of our own
    const assemble = listeners[0] as (chunk: Buffer) => void;
    const written: Buffer[] = [];
    const facade = Object.assign(new EventEmitter(), { isOpen: true, write: (d: Buffer) => written.push(d) });
    source.removeAllListeners();
    facade.on('data', assemble);
    port._client = facade;
    // write sets the expected reply (unit 10, function 3, 2 registers: 9 bytes) and goes to _client
    port.write(Buffer.from([0x0a, 0x03, 0x00, 0x00, 0x00, 0x02, 0xc4, 0xb0]));
    assert.equal(written.length, 1, 'write goes to _client');
    const frames: Buffer[] = [];
    port.on('data', (f: Buffer) => frames.push(f));
    const reply = Buffer.from([0x0a, 0x03, 0x04, 0x00, 0x01, 0x00, 0x02, 0xaa, 0xbb]);
    assemble(reply.subarray(0, 4));
    assert.equal(port._buffer.length, 4, 'a partial frame waits in _buffer');
    assert.equal(frames.length, 0);
    assemble(reply.subarray(4));
    assert.deepEqual(frames, [reply], 'the whole frame is emitted once complete');
    // what lib/modbus/rtuFramePort.ts does before each request: stale bytes must not complete a reply
    port.write(Buffer.from([0x0a, 0x03, 0x00, 0x00, 0x00, 0x02, 0xc4, 0xb0]));
    assemble(reply.subarray(0, 5));
    port._buffer = Buffer.alloc(0);
    assemble(reply.subarray(5));
    assert.equal(frames.length, 1, 'a cleared _buffer forgets the stale start');
  });

  it('TcpPort: _clientRcvData holds a partial MBAP frame, and replacing it drops the rest', () => {
    const socket = new Socket(); // never connected: the test emits its data
    const port = new TcpPort({ socket });
    const frames: Buffer[] = [];
    port.on('data', (f: Buffer) => frames.push(f));
    // MBAP: transaction 1, protocol 0, length 7, unit 10, function 3, 4 bytes
    const frame = Buffer.from([0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x0a, 0x03, 0x04, 0x00, 0x01, 0x00, 0x02]);
    socket.emit('data', frame.subarray(0, 9));
    assert.ok(Buffer.isBuffer(port._clientRcvData) && port._clientRcvData.length === 9, 'the partial frame waits in _clientRcvData');
    port._clientRcvData = Buffer.alloc(0);
    socket.emit('data', frame);
    assert.equal(frames.length, 1, 'after the reset, the next frame parses from its own start');
    assert.deepEqual([...frames[0].subarray(0, 7)], [0x0a, 0x03, 0x04, 0x00, 0x01, 0x00, 0x02]);
  });
});
