import * as assert from 'node:assert/strict';
import { RtuRequestReader, rtuFrame, type RtuRequestFrame } from '../../lib/sim/rtuRequestReader';

// Read holding registers, unit 1, address 0, count 10: the textbook frame with its CRC.
const READ_1_0_10 = Buffer.from('01030000000ac5cd', 'hex');

function collect(): { frames: RtuRequestFrame[]; reader: RtuRequestReader } {
  const frames: RtuRequestFrame[] = [];
  return { frames, reader: new RtuRequestReader((f) => frames.push(f)) };
}

describe('sim/rtuRequestReader', () => {
  it('builds frames with modbus-serial\'s CRC', () => {
    assert.deepEqual(rtuFrame(1, Buffer.from('030000000a', 'hex')), READ_1_0_10);
  });

  it('reads a request split across chunks, with the times of its first and last byte', () => {
    const { frames, reader } = collect();
    reader.push(READ_1_0_10.subarray(0, 3), 10);
    reader.push(READ_1_0_10.subarray(3), 11);
    assert.equal(frames.length, 1);
    assert.deepEqual(frames[0], { unit: 1, pdu: Buffer.from('030000000a', 'hex'), bytes: 8, firstByteAt: 10, lastByteAt: 11 });
  });

  it('reads function 16 by its byte count', () => {
    const { frames, reader } = collect();
    const frame = rtuFrame(7, Buffer.from('10000a000204000100ff', 'hex'));
    reader.push(frame, 0);
    assert.equal(frames.length, 1);
    assert.equal(frames[0].bytes, 13);
    assert.equal(frames[0].unit, 7);
  });

  it('resyncs past garbage in front of a frame', () => {
    const { frames, reader } = collect();
    reader.push(Buffer.concat([Buffer.from([0x55, 0x01, 0x03]), READ_1_0_10]), 0);
    assert.equal(frames.length, 1);
    assert.deepEqual(frames[0].pdu, Buffer.from('030000000a', 'hex'));
    assert.equal(reader.discardedBytes, 3);
  });

  it('drops a frame with a bad CRC', () => {
    const { frames, reader } = collect();
    const bad = Buffer.from(READ_1_0_10);
    bad[7] ^= 1;
    reader.push(bad, 0);
    reader.push(READ_1_0_10, 1);
    assert.equal(frames.length, 1);
  });

  it('discards a partial frame after a gap longer than 5 ms', () => {
    const { frames, reader } = collect();
    reader.push(READ_1_0_10.subarray(0, 4), 0);
    reader.push(READ_1_0_10.subarray(4), 6);
    assert.equal(frames.length, 0);
    reader.push(READ_1_0_10, 7);
    assert.equal(frames.length, 1);
  });

  it('reads two requests that arrive in one chunk', () => {
    const { frames, reader } = collect();
    reader.push(Buffer.concat([READ_1_0_10, READ_1_0_10]), 3);
    assert.equal(frames.length, 2);
  });
});
