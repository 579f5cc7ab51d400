/**
 * Names and units the old Python logger (pv_logger on kacors485) wrote to InfluxDB, for
 * someone moving from it to keep one continuous history.
 * Source: plieningerweb/kacors485 kacors485.py (KacoRS485Parser.mapping) and pv_logger's kaco.py
 * (measurement 'inverter' + address, fields {name: value}; measurement 'communication' with
 * last_request_status and error_msg; tags from config.yaml `tags:`).
 * Fields not listed here kept their name. kacors485 also wrote `last_command_sent` and
 * `checksum` (frame text, not measurements): not carried over.
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
