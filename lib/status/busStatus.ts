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

/**
 * A bus that is down, as data: its cause's code and, for a link that was open, since when
 * (HH:MM:SS). What an editor's scan gets to say "cannot scan: …" in its own language.
 */
export interface BusDown {
  reason: LinkReason;
  /** set when the link had been open and went away ("link lost since 12:03:10: …") */
  lostSince?: string;
}

/** The bus's down state, or undefined while it is open, closed or still on its first attempt. */
export function busDownOf(bus: BusView): BusDown | undefined {
  const { phase, cause } = bus.linkStatus;
  if (bus.state === 'open' || bus.state === 'closed' || !cause) return undefined;
  return phase === 'lost' ? { reason: cause.reason, lostSince: clockTime(cause.since) } : { reason: cause.reason };
}

/** The words of a bus that is down: the cause alone, or "link lost since …: <cause>". */
export function busDownText(down: BusDown, words: BusWords = ENGLISH_BUS_WORDS): string {
  const text = words.cause(down.reason);
  return down.lostSince === undefined ? words.notOpened(text) : words.lost(down.lostSince, text);
}

/** The whole status text of a bus (for the log); busStatus() shortens it for the node. */
export function busStatusText(bus: BusView, words: BusWords = ENGLISH_BUS_WORDS): string {
  if (bus.state === 'open') return words.open(bus.link.description);
  if (bus.state === 'closed') return words.closed();
  const down = busDownOf(bus);
  return down ? busDownText(down, words) : words.opening();
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
