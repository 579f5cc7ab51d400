// modbus-serial ships no declarations for its utils; its CRC is the one simulators must use.
declare module 'modbus-serial/utils/crc16' {
  function crc16(buffer: Buffer): number;
  export = crc16;
}
