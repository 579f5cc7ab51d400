import type { BusWords } from '../../lib/status/busStatus';

/** Node-RED's RED._: a key of the node's locale and its __name__ parameters. */
export type Translate = (key: string, substitutions?: Record<string, string | number>) => string;

/** A bus's words from rs485-bus's locale (rs485-bus.status.*, rs485-bus.cause.<code>). */
export function busWordsFrom(_: Translate): BusWords {
  return {
    open: (link) => _('rs485-bus.status.open', { link }),
    opening: () => _('rs485-bus.status.opening'),
    notOpened: (cause) => _('rs485-bus.status.notOpened', { cause }),
    lost: (since, cause) => _('rs485-bus.status.lost', { since, cause }),
    closed: () => _('rs485-bus.status.closed'),
    // the code picks the words, its parameters (path, device, where, host, message) fill them
    cause: (reason) => _(`rs485-bus.cause.${reason.code}`, { ...reason }),
  };
}
