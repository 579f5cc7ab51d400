// node-red-node-test-helper ships no types; this declares the part the tests use.
declare module 'node-red-node-test-helper' {
  import type { Node } from 'node-red';
  import type { Server } from 'node:http';
  type FlowNode = Record<string, unknown> & { id: string; type: string };
  interface TestHelper {
    init(nodeRedRuntime: string, userSettings?: Record<string, unknown>): void;
    load(
      nodes: unknown | unknown[],
      flow: FlowNode[],
      credentials?: Record<string, unknown>,
      cb?: () => void,
    ): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): (Node & Record<string, unknown>) | undefined;
    clearFlows(): Promise<void>;
    startServer(done?: () => void): Promise<void>;
    stopServer(done?: () => void): Promise<void>;
    // supertest agent bound to the admin app; untyped here (no @types/supertest dependency)
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    request(): any;
    settings(userSettings: Record<string, unknown>): void;
    url(): string;
    log(): { args: unknown[][]; restore(): void } & Record<string, unknown>;
    _server?: Server;
    _RED: Record<string, unknown>;
  }
  const helper: TestHelper;
  export default helper;
}
