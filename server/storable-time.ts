// RFC 3339 allows years PostgreSQL's timestamptz cannot hold (year 0000): times must fall in 1970..9999.
const MIN = Date.UTC(1970, 0, 1);
const MAX = Date.UTC(10000, 0, 1);

export function isStorableTime(value: string): boolean {
  const t = Date.parse(value);
  return Number.isFinite(t) && t >= MIN && t < MAX;
}

export const STORABLE_TIME_PROBLEM = 'must be a time between 1970 and 9999';
