/**
 * The SMAData2+ queries (command, first LRI, last LRI) and what each record means, as data.
 * Source: SBFspot SBFspot.cpp getInverterData, with James Ball's LRI labels agreeing
 * (shared/reference/sma.md §2.5). `scale` turns the raw value into the unit named.
 */
export interface Data2Query {
  command: number;
  first: number;
  last: number;
}

export const DATA2_QUERIES = {
  energy: { command: 0x54000200, first: 0x00260100, last: 0x002622ff },
  operatingTime: { command: 0x54000200, first: 0x00462e00, last: 0x00462fff },
  acPowerTotal: { command: 0x51000200, first: 0x00263f00, last: 0x00263fff },
  acPowerPhases: { command: 0x51000200, first: 0x00464000, last: 0x004642ff },
  acVoltageCurrent: { command: 0x51000200, first: 0x00464800, last: 0x004655ff },
  gridFrequency: { command: 0x51000200, first: 0x00465700, last: 0x004657ff },
  dcPower: { command: 0x53800200, first: 0x00251e00, last: 0x00251eff },
  dcVoltageCurrent: { command: 0x53800200, first: 0x00451f00, last: 0x004521ff },
  deviceStatus: { command: 0x51800200, first: 0x00214800, last: 0x002148ff },
  gridRelay: { command: 0x51800200, first: 0x00416400, last: 0x004164ff },
  typeLabel: { command: 0x58000200, first: 0x00821e00, last: 0x008220ff },
} as const satisfies Record<string, Data2Query>;

export type Data2QueryName = keyof typeof DATA2_QUERIES;

export interface LriField {
  /** field name in the message (kaco-read's style: snake case with the unit's meaning) */
  field: string;
  unit: string;
  /** raw × scale = value in `unit` */
  scale: number;
  /** the record's class byte is the string (MPPT) or 1; a per-string field gets `_<class>` appended */
  perString?: boolean;
  /** a status record: the selected tag is the value */
  status?: boolean;
}

/** LRI (bits 23–8 of a record's code) → field. */
export const LRI_FIELDS: Readonly<Record<number, LriField>> = {
  0x2601: { field: 'e_total', unit: 'kWh', scale: 0.001 },
  0x2622: { field: 'e_today', unit: 'kWh', scale: 0.001 },
  0x462e: { field: 'h_operating', unit: 'h', scale: 1 / 3600 },
  0x462f: { field: 'h_feed_in', unit: 'h', scale: 1 / 3600 },
  0x263f: { field: 'p_ac', unit: 'W', scale: 1 },
  0x4640: { field: 'p_ac_l1', unit: 'W', scale: 1 },
  0x4641: { field: 'p_ac_l2', unit: 'W', scale: 1 },
  0x4642: { field: 'p_ac_l3', unit: 'W', scale: 1 },
  0x4648: { field: 'u_ac_l1', unit: 'V', scale: 0.01 },
  0x4649: { field: 'u_ac_l2', unit: 'V', scale: 0.01 },
  0x464a: { field: 'u_ac_l3', unit: 'V', scale: 0.01 },
  0x4653: { field: 'i_ac_l1', unit: 'A', scale: 0.001 },
  0x4654: { field: 'i_ac_l2', unit: 'A', scale: 0.001 },
  0x4655: { field: 'i_ac_l3', unit: 'A', scale: 0.001 },
  0x4657: { field: 'f_ac', unit: 'Hz', scale: 0.01 },
  0x251e: { field: 'p_dc', unit: 'W', scale: 1, perString: true },
  0x451f: { field: 'u_dc', unit: 'V', scale: 0.01, perString: true },
  0x4521: { field: 'i_dc', unit: 'A', scale: 0.001, perString: true },
  0x2148: { field: 'status', unit: '', scale: 1, status: true },
  0x4164: { field: 'grid_relay', unit: '', scale: 1, status: true },
};

/** Status tags (SBFspot TagListEN-US.txt). */
export const STATUS_TAGS: Readonly<Record<number, string>> = {
  35: 'Fault',
  51: 'Closed',
  303: 'Off',
  307: 'Ok',
  311: 'Open',
  455: 'Warning',
};
