/** A node status as Node-RED draws it, without depending on Node-RED (lib/ is framework-free). */
export interface StatusView {
  /** Node-RED's colours: blue busy, yellow connecting, green ok, red error, grey stopped */
  fill: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape: 'dot' | 'ring';
  text: string;
}

/** Node-RED shows a status on one line under the node; longer text is clipped here. */
export const STATUS_MAX_CHARS = 60;

/**
 * A status text short enough to read under a node, keeping its meaning: a /dev/serial/by-id/
 * path becomes the end of its name (the serial number and port, which tell adapters apart),
 * then the text is clipped with "…". The whole text belongs in the log.
 */
export function shortStatusText(text: string, max = STATUS_MAX_CHARS): string {
  const short = text.replace(/\/dev\/serial\/by-(?:id|path)\/([^\s:]+(?::(?!\s|$)[^\s:]+)*)/g, (_m, name: string) => {
    // usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0: the serial number and interface after the last "_"
    const tail = name.includes('_') ? name.slice(name.lastIndexOf('_') + 1) : name.slice(-24);
    return tail.length < name.length ? `…${tail}` : name;
  });
  return short.length > max ? `${short.slice(0, max - 1)}…` : short;
}
