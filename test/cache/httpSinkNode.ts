/**
 * A stand-in database node for tests that run a whole Node-RED process: POSTs each message
 * (its _cacheId and payload) as JSON to `url` and calls done() on 200, done(err) otherwise,
 * as a database out node does. The test's HTTP server is the database, so what arrived is
 * recorded outside the process that gets killed.
 */
import http from 'node:http';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';

export = function register(RED: NodeAPI): void {
  function CacheTestSink(this: Node, config: NodeDef & { url?: string }): void {
    RED.nodes.createNode(this, config);
    const url = String(config.url);
    this.on('input', (msg: NodeMessage, _send: unknown, done: (err?: Error) => void) => {
      const m = msg as NodeMessage & { _cacheId?: string };
      const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? done() : done(new Error(`database answered ${res.statusCode}`))));
      });
      req.setTimeout(5000, () => req.destroy(new Error('database did not answer in 5 s')));
      req.on('error', (err) => done(err));
      req.end(JSON.stringify({ cacheId: m._cacheId, payload: m.payload }));
    });
  }
  RED.nodes.registerType('cache-test-sink', CacheTestSink as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
