import type { Node, NodeMessage } from 'node-red';
import { shortStatusText } from '../../lib/status/statusText';

/** A config error, an input error or a bus error: red ring with the reason, and done(err) so a Catch node sees it. */
export function failInput(node: Node, done: (err?: Error) => void, err: unknown, statusText?: string): void {
  const error = err instanceof Error ? err : new Error(String(err));
  node.status({ fill: 'red', shape: 'ring', text: shortStatusText(statusText ?? error.message) });
  done(error);
}

/** Messages carry arbitrary properties; this names the ones our nodes read. */
export type InputMessage = NodeMessage & Record<string, unknown>;
