import type { LinkConfig } from './link';

/**
 * Why a link is not open, as a stable code and its parameters. Nodes look the words up in their
 * locale (nodes/rs485-bus/locales/<lang>/rs485-bus.json, rs485-bus.cause.<code>, the parameters
 * as __name__); logs, errors and msg.error use the English of LINK_REASON_ENGLISH.
 */
export type LinkReason =
  | { code: 'notFound'; path: string }
  | { code: 'permissionDenied'; device: string }
  | { code: 'inUse'; device: string }
  | { code: 'notSerial'; device: string }
  | { code: 'refused'; where: string }
  | { code: 'hostNotFound'; host: string }
  | { code: 'hostUnreachable'; host: string }
  | { code: 'connectTimeout'; where: string }
  | { code: 'connectionLost'; where: string }
  /** an error we have no words for: its own message, whole */
  | { code: 'other'; message: string };

export type LinkReasonCode = LinkReason['code'];

type English = { [C in LinkReasonCode]: (r: Extract<LinkReason, { code: C }>) => string };

/** The English of every code; nodes/rs485-bus/locales/en-US says the same (test/i18n keeps them equal). */
export const LINK_REASON_ENGLISH: English = {
  notFound: (r) => `port ${r.path} not found, retrying`,
  permissionDenied: (r) => `cannot open ${r.device}: permission denied (add the user to the dialout group)`,
  inUse: (r) => `cannot open ${r.device}: in use by another program`,
  notSerial: (r) => `cannot open ${r.device}: not a serial port`,
  refused: (r) => `connection refused ${r.where}`,
  hostNotFound: (r) => `host ${r.host} not found`,
  hostUnreachable: (r) => `host ${r.host} unreachable`,
  connectTimeout: (r) => `no answer from ${r.where} (connect timed out)`,
  connectionLost: (r) => `connection to ${r.where} lost`,
  other: (r) => r.message,
};

/** The English text of a reason, for logs and errors. */
export function linkReasonText(reason: LinkReason): string {
  // the table is total over the codes; TypeScript cannot pair the entry with the narrowed reason itself
  return (LINK_REASON_ENGLISH[reason.code] as (r: LinkReason) => string)(reason);
}

/**
 * A link error as the reason a user can act on. serialport reports errno only in its message
 * ("Error: Permission denied, cannot open /dev/ttyS0"), Node's net module as err.code.
 */
export function linkReasonOf(err: Error, config: LinkConfig): LinkReason {
  const code = (err as Error & { code?: unknown }).code;
  const text = `${typeof code === 'string' ? code : ''} ${err.message}`;
  if (config.kind === 'serial') {
    const device = /cannot open (\S+?)[:,]?(?:\s|$)/.exec(err.message)?.[1] ?? config.path;
    if (/ENOENT|no such file|no serial port matches|disappeared/i.test(text)) return { code: 'notFound', path: config.path };
    if (/EACCES|EPERM|permission denied|operation not permitted/i.test(text)) return { code: 'permissionDenied', device };
    if (/EBUSY|resource busy|cannot lock/i.test(text)) return { code: 'inUse', device };
    if (/inappropriate ioctl|ENOTTY/i.test(text)) return { code: 'notSerial', device };
    return { code: 'other', message: err.message.replace(/^Error: /, '') };
  }
  const where = `${config.host}:${config.port}`;
  if (/ECONNREFUSED/.test(text)) return { code: 'refused', where };
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME/.test(text)) return { code: 'hostNotFound', host: config.host };
  if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return { code: 'hostUnreachable', host: config.host };
  if (/ETIMEDOUT|timed out/i.test(text)) return { code: 'connectTimeout', where };
  if (/ECONNRESET|closed/i.test(text)) return { code: 'connectionLost', where };
  return { code: 'other', message: err.message };
}
