/**
 * A calendar day in UTC, `YYYY-MM-DD`. Kept as text end to end (CLI flag,
 * `date` column, GraphQL `Date`), so no local time zone can shift it.
 */
export type Day = string;

const DAY_MS = 24 * 60 * 60 * 1000;
const SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/** The day, or null when the text is not one (wrong shape, or an impossible date such as 2026-02-30). */
export function parseDay(text: string): Day | null {
  if (!SHAPE.test(text)) return null;
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
