/** Stored properties of xw-peak-shaving and their defaults (docs/flow-schema.md). */
import { PEAK_DEFAULTS } from '../../lib/peak/peakSettings';
import { PEAK_FIELDS } from '../../lib/peak/peakShaver';

export const DEFAULTS = { name: '', ...PEAK_DEFAULTS, ...PEAK_FIELDS };

export type XwPeakShavingConfig = { [K in keyof typeof DEFAULTS]: string | number };
