/**
 * A calendar day in UTC, `YYYY-MM-DD`. Kept as text end to end (CLI flag,
 * `date` column, GraphQL `Date`), so no local time zone can shift it.
 */
export type Day = string;

const DAY_MS = 24 * 60 * 60 * 1000;
const SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The days Parley takes from clients and the job's --date. PostgreSQL (and
 * PGlite) have no year 0, so `0000-01-01` (which the GraphQL Date scalar
 * accepts) failed in the engine as an internal error; nothing Parley stores
 * predates 1970, and four-digit years end at 9999. Text compares like the
 * dates themselves in this shape.
 */
export const DAY_MIN: Day = '1970-01-01';
export const DAY_MAX: Day = '9999-12-31';

export const inDayRange = (day: Day): boolean => day >= DAY_MIN && day <= DAY_MAX;

/** The day, or null when the text is not one (wrong shape, an impossible date such as 2026-02-30, or outside DAY_MIN..DAY_MAX). */
export function parseDay(text: string): Day | null {
  if (!SHAPE.test(text) || !inDayRange(text)) return null;
  const start = new Date(`${text}T00:00:00.000Z`);
  // Date rolls 2026-02-30 over to March; only a real date survives the round trip.
  return !Number.isNaN(start.getTime()) && start.toISOString().slice(0, 10) === text ? text : null;
}

export const dayOf = (instant: Date): Day => instant.toISOString().slice(0, 10);

/** The half-open window [day 00:00Z, next day 00:00Z). */
export function dayWindow(day: Day): { from: Date; to: Date } {
  const from = new Date(`${day}T00:00:00.000Z`);
  return { from, to: new Date(from.getTime() + DAY_MS) };
}

/** How many days `from..to` spans, both ends included; 0 or less when `to` is before `from`. */
export const daysInclusive = (from: Day, to: Day): number =>
  Math.round((dayWindow(to).from.getTime() - dayWindow(from).from.getTime()) / DAY_MS) + 1;
