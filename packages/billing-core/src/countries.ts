import { z } from 'zod';

// ISO 3166-1 alpha-2: the 249 officially assigned codes, as published by the ISO 3166 Maintenance Agency
// (https://www.iso.org/iso-3166-country-codes.html, online browsing platform; last change used: 2023,
// none since). Reserved, deprecated and user-assigned codes (UK, EU, SU, YU, AN, AC, XK, …) are not
// countries a customer can be billed in. `Intl.DisplayNames` is not used instead: it names all of those
// too (`UK` → "United Kingdom", `EU` → "European Union") and its answers depend on the ICU build.
const CODES =
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV ' +
  'BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ' +
  'ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE ' +
  'IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY ' +
  'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU ' +
  'NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM ' +
  'SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE ' +
  'VG VI VN VU WF WS YE YT ZA ZM ZW';

/** Every ISO 3166-1 alpha-2 country code billkit accepts (upper case). */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(CODES.split(' '));

/**
 * True when `code` is an officially assigned ISO 3166-1 alpha-2 code, upper case. Normalise case at the
 * edge, not here.
 *
 * @example isCountryCode('DE') // true
 * isCountryCode('ZZ') // false
 */
export function isCountryCode(code: unknown): code is string {
  return typeof code === 'string' && COUNTRY_CODES.has(code);
}

/** An assigned ISO 3166-1 alpha-2 country code, upper case (`US`, `DE`). */
export const countryCodeSchema = z
  .string()
  .regex(/^[A-Z]{2}$/, { message: 'ISO 3166-1 alpha-2 country code, upper case', abort: true })
  .refine(isCountryCode, { message: 'Unknown ISO 3166-1 alpha-2 country code' })
  .describe('ISO 3166-1 alpha-2 country code, upper case');
