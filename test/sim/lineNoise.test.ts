/** The noisy line of the fault soak: what it garbles, and that it keeps what it delivered. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Link, LinkConfig } from '../../lib/bus/link';
import { NoisyLink } from '../../lib/sim/lineNoise';
import { seededRandom } from '../../lib/sim/seededRandom';

/** A link whose replies the test delivers by hand. */
class HandLink extends EventEmitter implements Link {
  readonly config: LinkConfig = { kind: 'tcp', host: '127.0.0.1', port: 1 };
  readonly isOpen = true;
  readonly description = 'by hand';
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async discardInput(): Promise<void> {}
  async write(): Promise<void> {}
}

describe('line noise (the fault soak\'s noisy link)', () => {
  const reply = Buffer.from([10, 3, 4, 0x0a, 0x17, 0x0a, 0x18, 0x12, 0x34]);

  it('garbles after the unit and function bytes, and keeps each garbled reply as delivered', async () => {
    const inner = new HandLink();
    const noisy = new NoisyLink(inner, { garbled: 1, late: 0, lateMs: () => 0, random: seededRandom(3) });
    const seen: Buffer[] = [];
    noisy.on('data', (chunk: Buffer) => seen.push(chunk));
    for (let n = 0; n < 3; n++) {
      await noisy.write(Buffer.from([10, 3, 0, 0, 0, 2]));
      inner.emit('data', reply.subarray(0, 4));
      inner.emit('data', reply.subarray(4));
    }
    const kept = noisy.garbledReplies();
    assert.equal(kept.length, 3);
    for (let n = 0; n < 3; n++) {
      const delivered = Buffer.concat(seen.slice(2 * n, 2 * n + 2));
      assert.deepEqual(kept[n], delivered, `reply ${n} kept exactly as delivered`);
      assert.deepEqual([...delivered.subarray(0, 2)], [10, 3], 'unit and function spared');
      assert.notDeepEqual(delivered, reply, 'at least one byte changed');
    }
    assert.equal(noisy.counts.garbled, 3);
  });

  it('keeps nothing for replies it left alone', async () => {
    const inner = new HandLink();
    const noisy = new NoisyLink(inner, { garbled: 0, late: 0, lateMs: () => 0, random: seededRandom(3) });
    await noisy.write(Buffer.from([10, 3, 0, 0, 0, 2]));
    inner.emit('data', reply);
    assert.deepEqual(noisy.garbledReplies(), []);
  });
});
