import type { BusState } from '../bus/busSettings';
import { clockTime, type LinkStatus } from '../bus/linkCause';
import { linkReasonText, type LinkReason } from '../bus/linkReason';
import { shortStatusText, type StatusView } from './statusText';

/** The texts of a bus status, from the node's locale (rs485-bus.status.*). */
export interface BusWords {
  open(link: string): string;
  opening(): string;
  /** a link that never opened: the cause alone ("port /dev/ttyNOPE not found, retrying") */
  notOpened(cause: string): string;
  /** a link that was open and went away */
  lost(since: string, cause: string): string;
  closed(): string;
  /** the cause itself, from its code (rs485-bus.cause.<code>) */
  cause(reason: LinkReason): string;
}

/** The English of the bus's words; nodes/rs485-bus/locales/en-US says the same. */
export const ENGLISH_BUS_WORDS: BusWords = {
  open: (link) => `connected ${link}`,
  opening: () => 'connecting',
  notOpened: (cause) => cause,
  lost: (since, cause) => `link lost since ${since}: ${cause}`,
  closed: () => 'closed',
  cause: linkReasonText,
};

/** What a bus looks like, shown by the bus's users: what they show instead of "polling…" while it is down. */
export interface BusView {
  readonly state: BusState;
  readonly linkStatus: LinkStatus;
  readonly link: { readonly description: string };
}

/** The whole status text of a bus (for the log); busStatus() shortens it for the node. */
export function busStatusText(bus: BusView, words: BusWords = ENGLISH_BUS_WORDS): string {
  const { phase, cause } = bus.linkStatus;
  if (bus.state === 'open') return words.open(bus.link.description);
  if (bus.state === 'closed') return words.closed();
  if (!cause) return words.opening();
  const text = words.cause(cause.reason);
  return phase === 'lost' ? words.lost(clockTime(cause.since), text) : words.notOpened(text);
}

export function busStatus(bus: BusView, words: BusWords = ENGLISH_BUS_WORDS): StatusView {
  const text = shortStatusText(busStatusText(bus, words));
  if (bus.state === 'open') return { fill: 'green', shape: 'dot', text };
  if (bus.state === 'closed') return { fill: 'grey', shape: 'ring', text };
  return bus.linkStatus.cause ? { fill: 'red', shape: 'ring', text } : { fill: 'yellow', shape: 'ring', text };
}

/** The status of the first of `buses` that is not open (failed or still connecting), or undefined when all are open. */
export function firstDownBus<T extends BusView>(buses: readonly T[]): T | undefined {
  return buses.find((b) => b.state !== 'open');
}
