/**
 * The arbiter's control state: one phase at a time, and the only moves between them. The bus
 * checks every move against this table (a move not in it is a bug and throws), and
 * docs/ARCHITECTURE.md draws it.
 *
 * - new: created, not started (requests queue)
 * - opening: the link is being opened
 * - idle: the wire is free and the link open; the pump decides what comes next, and the bus
 *   rests here when nothing may go (queue empty, or every request held by a late-reply hold)
 * - silence: waiting for t3.5 + pause (or a late-reply guard) after the last frame
 * - draining: discarding what the line may still hold before the next write
 * - inFlight: one transaction owns the wire
 * - yielding: one loop turn after a transaction, so its owner can queue its follow-up first
 * - reconnecting: the link is down; reopening with backoff
 * - closing: failing the queue, letting the wire fall quiet, releasing the link
 * - closed: final
 */
export type BusPhase =
  | 'new'
  | 'opening'
  | 'idle'
  | 'silence'
  | 'draining'
  | 'inFlight'
  | 'yielding'
  | 'reconnecting'
  | 'closing'
  | 'closed';

export const BUS_TRANSITIONS: Readonly<Record<BusPhase, readonly BusPhase[]>> = {
  new: ['opening', 'closing'],
  opening: ['idle', 'reconnecting', 'closing'],
  idle: ['silence', 'draining', 'inFlight', 'reconnecting', 'closing'],
  silence: ['idle', 'closing'],
  draining: ['idle', 'closing'],
  inFlight: ['yielding', 'closing'],
  yielding: ['idle', 'closing'],
  reconnecting: ['opening', 'closing'],
  closing: ['closed'],
  closed: [],
};

export function canMove(from: BusPhase, to: BusPhase): boolean {
  return BUS_TRANSITIONS[from].includes(to);
}
