/**
 * The cache's worker (lib/cache/cacheWorker.ts) for tests of a worker that dies: after committing
 * a put whose message has `payload.die`, the thread throws out of its loop, as an out-of-memory
 * or a bug outside any call would end it.
 */
import { parentPort } from 'node:worker_threads';
import '../../lib/cache/cacheWorker';
import type { ToWorker } from '../../lib/cache/cacheProtocol';

parentPort!.on('message', (m: ToWorker) => {
  if (m.type === 'call' && m.kind === 'put' && m.body.includes('"die":true')) {
    setImmediate(() => {
      throw new Error('simulated crash of the cache worker');
    });
  }
});
