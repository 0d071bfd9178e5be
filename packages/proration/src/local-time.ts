import { DateTime, type Zone } from 'luxon';
import { zoneOf } from './instant.js';

// Describing an item used to build a luxon DateTime (and format through Intl) per instant: most of
// a proration's run time. The wall-clock fields only need the zone's offset at the instant, which is
// memoised per zone (offsets are a pure function of zone and instant); month names come from luxon
// itself, once, so the words stay exactly what `toFormat('LLL')` printed.

const MAX_CACHED_OFFSETS = 4096;
const offsets = new WeakMap<Zone, Map<number, number>>();

function offsetMinutes(zone: Zone, millis: number): number {
  let cache = offsets.get(zone);
  if (cache === undefined) {
    cache = new Map();
    offsets.set(zone, cache);
  }
  let offset = cache.get(millis);
  if (offset === undefined) {
    offset = zone.offset(millis);
    if (cache.size >= MAX_CACHED_OFFSETS) cache.clear();
    cache.set(millis, offset);
  }
  return offset;
}

let monthNames: readonly string[] | undefined;

function shortMonth(month: number): string {
  monthNames ??= Array.from({ length: 12 }, (_, i) =>
    DateTime.utc(2024, i + 1, 15)
      .setLocale('en-GB')
      .toFormat('LLL'),
  );
  return monthNames[month] as string;
}

const two = (value: number) => (value < 10 ? `0${value}` : String(value));

/**
 * The local date (`d LLL yyyy`, en-GB) of `millis` in `timeZone`, optionally with `HH:mm`: what
 * luxon's `toFormat` printed, without a DateTime.
 */
export function formatLocal(millis: number, timeZone: string, withTime: boolean): string {
  const zone = zoneOf(timeZone);
  const local = new Date(millis + offsetMinutes(zone, millis) * 60_000);
  const year = local.getUTCFullYear();
  if (year < 1 || year > 9999) return luxonFormat(millis, zone, withTime);
  const day = `${local.getUTCDate()} ${shortMonth(local.getUTCMonth())} ${String(year).padStart(4, '0')}`;
  return withTime ? `${day} ${two(local.getUTCHours())}:${two(local.getUTCMinutes())}` : day;
}

/** The luxon formatting `formatLocal` replaces; still used for years outside 1…9999 and for day steps. */
export function luxonFormat(millis: number, zone: Zone | string, withTime: boolean, daysBack = 0): string {
  const local = DateTime.fromMillis(millis, { zone: typeof zone === 'string' ? zoneOf(zone) : zone })
    .setLocale('en-GB')
    .minus({ days: daysBack });
  return local.toFormat(withTime ? 'd LLL yyyy HH:mm' : 'd LLL yyyy');
}
