/**
 * A clear day for simulated PV inverters: sunrise 06:00, sunset 18:00, a sine in between.
 * Hours are local time of day, 0–24, so tests and the demo can pin any moment of the day.
 */
export const SUNRISE_H = 6;
export const SUNSET_H = 18;

/** Share of rated power at this hour, 0 at night. */
export function daylight(hours: number): number {
  if (hours <= SUNRISE_H || hours >= SUNSET_H) return 0;
  return Math.sin((Math.PI * (hours - SUNRISE_H)) / (SUNSET_H - SUNRISE_H));
}

/** Integral of daylight() from sunrise to this hour, in hours at rated power. */
export function daylightHoursSoFar(hours: number): number {
  const h = Math.min(Math.max(hours, SUNRISE_H), SUNSET_H);
  const span = SUNSET_H - SUNRISE_H;
  return (span / Math.PI) * (1 - Math.cos((Math.PI * (h - SUNRISE_H)) / span));
}

/** The local time of day of a wall-clock instant, in hours. */
export function hoursOfDay(date: Date): number {
  return date.getHours() + date.getMinutes() / 60 + date.getSeconds() / 3600;
}
