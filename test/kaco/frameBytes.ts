/**
 * Byte literals for the KACO codec tests: frames built from the reference layouts (with the sum
 * computed here, independently of lib/kaco) and frames captured from real inverters
 * (g4bri3lDev/kaco-rs485 tests/reference/captures.json: Powador 6400xi, 8000xi, blueplanet TL3).
 */
export const hex = (h: string): Buffer => Buffer.from(h, 'hex');
export const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** `text` + its 1-byte sum, as the standard protocol sends it. */
export function withSum(text: string): Buffer {
  let sum = 0;
  for (const b of latin1(text)) sum += b;
  return Buffer.concat([latin1(text), Buffer.from([sum & 0xff])]);
}

/** LF + `*…` through the space before the check + check byte + tail. */
export function standardFrame(body: string, tail = ' 5000xi\r'): Buffer {
  return Buffer.concat([latin1('\n'), withSum(body), latin1(tail)]);
}

/** KACO's spec example (AN_RS485protocol 2011), its checksum 0xAB computed once by hand-rolled sum. */
export const SPEC_EXAMPLE = latin1('\n*030   4 355.9  2.92  1039 239.5  4.12   974  40   3229 \xab 5000xi\r');

/** Frames whose checksum byte is a space, CR, LF or NUL (values chosen to make it so). */
export const CHECKSUM_IS = {
  space: standardFrame('*030   4 328.5 12.49  5888 235.2 19.97  5388  69  19629 '),
  cr: standardFrame('*030   4 506.7 14.68  2895 228.9  5.86  3769  37  35785 '),
  lf: standardFrame('*030   4 489.1 13.20  4958 233.5 19.99  3854  67  32750 '),
  nul: standardFrame('*030   4 398.4 11.09  2088 237.2 15.00  5658  57  34991 '),
};

export const CAPTURES = {
  /** 6400xi at address 2, command 0 */
  xi2: hex('0a2a30323020202034203430362e382020312e3635202020363731203232382e372020322e3830202020363335202033342020333338303120a5203634303078690d'),
  /** 8000xi at address 4, command 0 */
  xi4: hex('0a2a30343020202034203532302e372020312e3432202020373339203232392e312020322e3939202020363831202033352020333837343920ba203830303078690d'),
  /** blueplanet TL3 at address 3, command 0 (generic protocol, NOE 20) */
  tl3: hex('0a2a30336e203230203038364c3332203420203532312e352020302e373220202033373620203531382e382020302e373220202033373620203232362e352020312e333520203232372e352020312e333020203232392e332020312e323620202037353320202037353920312e303030202034332e352020343537303420464136420d'),
  /** a generic frame garbled in transit (bytes >= 0x80 from the middle on, no CR) */
  garbled: hex('0a2a30316e203230203038364c3332203420203438362e312020302e383220202034303120203531332e382020302e383220202034323420203232372e322020312e3433202032327cb7b1b1f5beb3b9bab077cbfbff8383cbfbfbff838383db9ab2029226e3fbdf83c7bbf3e3c38383d3dfbbdb8383dbd7d3e3cbbbdbbfdf0bbf4cc2a535'),
  /** xi command 3: no header, counters in kWh */
  yieldXi: hex('0a202034383939202033333830312031313237303620313132373036202020202031323a3132202037313835383a3030202037313835383a30300d'),
  /** blueplanet command 3: header, counters in Wh */
  yieldTl3: hex('0a2a3033332020363438322020343537303420373739333337342037373933333734203030303031383a3131203030383030303a3331203030383030303a33310d'),
  /** two inverters at address 1 answering command 3 (a duplicate address on the bus) */
  yieldTwice: hex('0a2a3031332020363438322020343534383020373739333135302037373933313530203030303031373a3534203030383030303a3134203030383030303a31340d0a202032343135202031373137322020393333323120203933333231202020202031323a3132202037313734363a3333202037313734363a33330d'),
  type6400xi: hex('0a2a3032392036343030786920b00d'),
  typeTl3: hex('0a2a303339203038364c333220550d'),
  serialTl3: hex('0a2a30317320382e36544c303137333635383620314542360d'),
  firmwareXi: hex('0a2a303238204b3232322e3336444520363831370d'),
};

/** Generic frame of a 3X24 with cos φ marked inductive (wiomoc/homeassistant-kaco-inverter tests). */
export const GENERIC_COSPHI_I = latin1('\n*03n 20 3X24 4  214.7  1.97   421    0.0  0.04     0  231.1  0.80  234.1  0.79  234.4  0.81   421   413 0.735i  36.7   1640 FEB7\r');

/** Command 9 whose check byte is CR (type text "1008  " padded like "3002  "). */
export const TYPE_CHECK_IS_CR = Buffer.concat([withSum('*019 1008   '), latin1('\r')]);

/** CRC-16/X-25 written out bit by bit, so tests do not check the library against itself. */
export function x25(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return (crc ^ 0xffff) & 0xffff;
}

export function byteSum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum += b;
  return sum & 0xff;
}

export { seededRandom } from '../../lib/sim/seededRandom';
