/** Priority classes of the arbiter, served in this order at every transaction boundary. */
export enum Priority {
  /** standby / operating: the kill switch and its undo */
  Critical = 0,
  /** the other commands (charge, sell, rest) */
  Command = 1,
  /** cyclic status polls */
  Poll = 2,
  /** energy counters, scans, probes of sleeping units */
  Background = 3,
}

export const PRIORITY_NAMES: Record<Priority, string> = {
  [Priority.Critical]: 'critical',
  [Priority.Command]: 'command',
  [Priority.Poll]: 'poll',
  [Priority.Background]: 'background',
};
