import { badInput } from './errors.js';

/** Product limits in one place, so the docs, the errors and the tests agree. */
export const LIMITS = {
  bodyMax: 4000,
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  passwordMax: 256,
  displayNameMax: 64,
  titleMax: 100,
  clientIdMax: 128,
  pageDefault: 50,
  pageMax: 100,
  groupMembersMax: 1000,
  /** Users one search returns. */
  searchMax: 50,
  /** Characters of search text. */
  searchTextMax: 100,
  queryDepthMax: 10,
  /** Days one chatStats query may span, both ends included: a leap year. */
  statsDaysMax: 366,
  /** Bots one person may own (bots are never deleted, so this bounds them for good). */
  botsPerOwnerMax: 10,
} as const;

/** Counts what a person sees as characters (code points), not UTF-16 units. */
export const charCount = (text: string): number => [...text].length;

export function pageSize(value: number | null | undefined, name: string): number {
  if (value === null || value === undefined) return LIMITS.pageDefault;
  if (!Number.isInteger(value) || value < 1 || value > LIMITS.pageMax) {
    throw badInput(`${name} must be between 1 and ${LIMITS.pageMax}`);
  }
  return value;
}
