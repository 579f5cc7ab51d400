/**
 * Names and units the old Python logger (pv_logger on kacors485) wrote to InfluxDB, for
 * someone moving from it to keep one continuous history.
 * Source: plieningerweb/kacors485 kacors485.py (KacoRS485Parser.mapping) and pv_logger's kaco.py
 * (measurement 'inverter' + address, fields {name: value}; measurement 'communication' with
 * last_request_status and error_msg; tags from config.yaml `tags:`).
 * Fields not listed here kept their name. kacors485 also wrote `last_command_sent` (the frame's
 * `*AAc` header) and `checksum` (the check as sent), both strings: written from command 0's frame.
 */
export const PV_LOGGER_MEASUREMENT = (address: number): string => `inverter${address}`;
export const PV_LOGGER_COMMUNICATION = 'communication';

/**
 * our name → kacors485's name. Except `status`: the old logger wrote it as an InfluxDB integer,
 * and node-red-contrib-influxdb writes every JavaScript number as a float; InfluxDB refuses a
 * whole point with a field of the other type in the same shard ("field type conflict"), so the
 * code goes to `status_code` instead of losing every reading for the life of that shard.
 */
export const PV_LOGGER_FIELD_NAMES: Readonly<Record<string, string>> = {
  status: 'status_code',
  temperature: 'temp',
  p_peak_day: 'p_top',
  e_counter: 'no_idea',
  e_total: 'e_all',
  hours_today: 'run_today',
  hours_counter: 'run_all',
  hours_total: 'run_all_again',
};

/**
 * kacors485 wrote command 3's counters as sent (xi: kWh) and its hour counters as the text
 * `hhhh:mm`; these fields take their value from the reply as sent, not from our Wh / hours.
 */
export const PV_LOGGER_AS_SENT: readonly string[] = ['e_counter', 'e_total', 'hours_today', 'hours_counter', 'hours_total'];

/**
 * The InfluxDB type each of pv_logger's fields has in an existing database: kacors485 converted
 * the values listed with `convert_to: float` and left the rest as the text it split from the
 * reply. InfluxDB refuses a whole point whose field has another type than the shard holds
 * ("field type conflict"), so every field keeps its old type, not only its name.
 * (`status` was an integer: it goes to `status_code`, see above.)
 * Source: shared/reference/kaco-rs485.md, "What the old pv_logger wrote into InfluxDB".
 */
export const PV_LOGGER_FIELD_TYPES: Readonly<Record<string, 'float' | 'string'>> = {
  u_dc: 'float',
  i_dc: 'float',
  p_dc: 'float',
  u_ac: 'float',
  i_ac: 'float',
  p_ac: 'float',
  temp: 'float',
  e_day: 'float',
  p_top: 'float',
  e_all: 'float',
  type: 'string',
  last_command_sent: 'string',
  checksum: 'string',
  run_today: 'string',
  run_all: 'string',
  run_all_again: 'string',
  no_idea: 'string',
};

/** The value in the type pv_logger wrote that field with; others unchanged. */
export function asPvLoggerType(name: string, value: number | string): number | string {
  switch (PV_LOGGER_FIELD_TYPES[name]) {
    case 'string':
      return String(value);
    case 'float':
      return typeof value === 'number' ? value : Number(value);
    default:
      return value;
  }
}
