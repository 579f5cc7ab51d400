import fs from 'node:fs';
import path from 'node:path';
import { SerialPort } from 'serialport';

export interface PortInfo {
  path: string;
  /** what the system says the adapter is */
  label?: string;
}

export interface PortListing {
  ports: PortInfo[];
  /** why the list may be incomplete */
  reason?: string;
}

const BY_ID = '/dev/serial/by-id';

/**
 * Serial ports for the editor's picker. serialport's list() on Linux spawns udevadm, and where
 * udevadm is missing the spawn error escapes as an uncaught exception that kills the process
 * (serialport 13.0.0); so it is only called when udevadm is on the PATH. The stable by-id
 * links are listed first either way: they survive replugs.
 */
export async function listSerialPorts(): Promise<PortListing> {
  const ports: PortInfo[] = byIdLinks();
  if (process.platform === 'linux' && !onPath('udevadm')) {
    return { ports, reason: 'udevadm is not installed, so only /dev/serial/by-id links are listed; type the device path (e.g. /dev/ttyUSB0) or a glob (/dev/ttyUSB*)' };
  }
  try {
    for (const p of await SerialPort.list()) {
      if (!ports.some((q) => q.path === p.path)) ports.push({ path: p.path, label: [p.manufacturer, p.serialNumber].filter(Boolean).join(' ') || undefined });
    }
    return { ports };
  } catch (err) {
    return { ports, reason: `listing ports failed: ${(err as Error).message}` };
  }
}

function byIdLinks(): PortInfo[] {
  try {
    return fs.readdirSync(BY_ID).sort().map((name) => ({ path: path.join(BY_ID, name), label: name }));
  } catch {
    return [];
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
