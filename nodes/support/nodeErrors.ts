import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';
import { shortStatusText } from '../../lib/status/statusText';

/**
 * How a node shows its own errors, from its locale: `<type>.status.inputError` for an input or bus
 * error, `<type>.status.setupError` for a node that could not start, each with the error's
 * message as __message__. The message itself stays English and whole in done(err) and the log.
 */
export interface NodeErrors {
  /** a config error, an input error or a bus error: red ring with the reason, and done(err) so a Catch node sees it */
  fail(done: (err?: Error) => void, err: unknown): void;
  /** the status of an error that has no done() to go to (a timed cycle's) */
  errorStatus(err: Error): NodeStatus;
  /** the status of a node whose setup failed */
  setupStatus(err: Error): NodeStatus;
}

export function nodeErrors(RED: NodeAPI, node: Node, type: string): NodeErrors {
  const red = (text: string): NodeStatus => ({ fill: 'red', shape: 'ring', text: shortStatusText(text) });
  const errorStatus = (err: Error): NodeStatus => red(RED._(`${type}.status.inputError`, { message: err.message }));
  return {
    fail(done, err) {
      const error = asError(err);
      node.status(errorStatus(error));
      done(error);
    },
    errorStatus,
    setupStatus: (err) => red(RED._(`${type}.status.setupError`, { message: err.message })),
  };
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Messages carry arbitrary properties; this names the ones our nodes read. */
export type InputMessage = NodeMessage & Record<string, unknown>;
