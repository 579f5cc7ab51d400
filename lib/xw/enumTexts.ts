/**
 * Text of the XW's enumerated status values. Sources: reference/xw-modbus.md (Schneider document
 * 990-6268B as cited by csmadeit/ha-schneider-xw-pro registers.py and mmercalde/mercalde-solar);
 * charger status 782–788 from extrafu/berrybms berrybms/ConextXW.py.
 */

/** Device State, register 64 (0x0040). */
export const DEVICE_STATE_TEXT: Readonly<Record<number, string>> = {
  0: 'Hibernate',
  1: 'Power Save',
  2: 'Safe Mode',
  3: 'Operating',
  4: 'Diagnostic',
  5: 'Remote Power Off',
  255: 'Data Not Available',
};

/** Charge Mode, register 77 (0x004D). */
export const CHARGE_MODE_TEXT: Readonly<Record<number, string>> = {
  0: 'Standalone',
  1: 'Primary',
  2: 'Secondary',
};

/** Inverter Status, register 122 (0x007A). */
export const INVERTER_STATUS_TEXT: Readonly<Record<number, string>> = {
  1024: 'Invert',
  1025: 'AC Pass Through',
  1026: 'APS Only',
  1027: 'Load Sense',
  1028: 'Inverter Disabled',
  1029: 'Load Sense Ready',
  1030: 'Engaging Inverter',
  1031: 'Invert Fault',
  1032: 'Inverter Standby',
  1033: 'Grid-Tied',
  1034: 'Grid Support',
  1035: 'Gen Support',
  1036: 'Sell-to-Grid',
  1037: 'Load Shaving',
  1038: 'Grid Frequency Stabilization',
  1039: 'AC Coupling',
  1040: 'Reverse Ibatt',
};

/** Charger Status, register 123 (0x007B). */
export const CHARGER_STATUS_TEXT: Readonly<Record<number, string>> = {
  768: 'Not Charging',
  769: 'Bulk',
  770: 'Absorption',
  771: 'Overcharge',
  772: 'Equalize',
  773: 'Float',
  774: 'No Float',
  775: 'Constant VI',
  776: 'Charger Disabled',
  777: 'Qualifying AC',
  778: 'Qualifying APS',
  779: 'Engaging Charger',
  780: 'Charge Fault',
  781: 'Charger Suspend',
  782: 'AC Good',
  783: 'APS Good',
  784: 'AC Fault',
  785: 'Charge',
  786: 'Absorption Exit Pending',
  787: 'Ground Fault',
  788: 'AC Good Pending',
};

/** Operating Mode, control register 358 (0x0166). It echoes the write: the status (Inverter Status 1032) is the standby truth. */
export const OPERATING_MODE_TEXT: Readonly<Record<number, string>> = {
  2: 'Standby',
  3: 'Operating',
};

/** Force Charger State, control register 357 (0x0165). */
export const FORCE_CHARGER_STATE_TEXT: Readonly<Record<number, string>> = {
  1: 'Bulk',
  2: 'Float',
  3: 'No Float',
};

/** Operating Mode values as written (register 358). */
export const OPERATING_MODE = { standby: 2, operating: 3 } as const;
/** Device State meaning the unit operates (register 64). */
export const DEVICE_STATE_OPERATING = 3;
/** Inverter Status meaning the unit acts on Standby (register 122, "Inverter Standby"). */
export const INVERTER_STATUS_STANDBY = 1032;
/** Charger Status meaning the charger is disabled (register 123). */
export const CHARGER_STATUS_DISABLED = 776;
/** Charger Status meaning the charger is enabled but idle (register 123). */
export const CHARGER_STATUS_NOT_CHARGING = 768;
