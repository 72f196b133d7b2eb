/**
 * Country name → IANA time zone, for customers whose data gives a country but no zone (the
 * UCI Online Retail adapter). Every country of that file is here, spelled as it spells them
 * (`EIRE`, `RSA`, `USA`), plus common names. A country spanning several zones maps to the zone
 * of its largest city; `Unspecified` and `European Community` have no zone (''), which
 * schedulers read as "send in the sender's zone".
 */
const COUNTRY_TIME_ZONES = new Map<string, string>(
  Object.entries({
    // Countries of the UCI Online Retail file.
    australia: 'Australia/Sydney',
    austria: 'Europe/Vienna',
    bahrain: 'Asia/Bahrain',
    belgium: 'Europe/Brussels',
    brazil: 'America/Sao_Paulo',
    canada: 'America/Toronto',
    'channel islands': 'Europe/Jersey',
    cyprus: 'Asia/Nicosia',
    'czech republic': 'Europe/Prague',
    denmark: 'Europe/Copenhagen',
    eire: 'Europe/Dublin',
    'european community': '',
    finland: 'Europe/Helsinki',
    france: 'Europe/Paris',
    germany: 'Europe/Berlin',
    greece: 'Europe/Athens',
    'hong kong': 'Asia/Hong_Kong',
    iceland: 'Atlantic/Reykjavik',
    israel: 'Asia/Jerusalem',
    italy: 'Europe/Rome',
    japan: 'Asia/Tokyo',
    lebanon: 'Asia/Beirut',
    lithuania: 'Europe/Vilnius',
    malta: 'Europe/Malta',
    netherlands: 'Europe/Amsterdam',
    norway: 'Europe/Oslo',
    poland: 'Europe/Warsaw',
    portugal: 'Europe/Lisbon',
    rsa: 'Africa/Johannesburg',
    'saudi arabia': 'Asia/Riyadh',
    singapore: 'Asia/Singapore',
    spain: 'Europe/Madrid',
    sweden: 'Europe/Stockholm',
    switzerland: 'Europe/Zurich',
    usa: 'America/New_York',
    'united arab emirates': 'Asia/Dubai',
    'united kingdom': 'Europe/London',
    unspecified: '',
    // Other spellings and common countries.
    uk: 'Europe/London',
    'great britain': 'Europe/London',
    ireland: 'Europe/Dublin',
    'south africa': 'Africa/Johannesburg',
    'united states': 'America/New_York',
    'united states of america': 'America/New_York',
    czechia: 'Europe/Prague',
    uae: 'Asia/Dubai',
    argentina: 'America/Argentina/Buenos_Aires',
    bulgaria: 'Europe/Sofia',
    chile: 'America/Santiago',
    china: 'Asia/Shanghai',
    colombia: 'America/Bogota',
    croatia: 'Europe/Zagreb',
    egypt: 'Africa/Cairo',
    estonia: 'Europe/Tallinn',
    hungary: 'Europe/Budapest',
    india: 'Asia/Kolkata',
    indonesia: 'Asia/Jakarta',
    latvia: 'Europe/Riga',
    luxembourg: 'Europe/Luxembourg',
    malaysia: 'Asia/Kuala_Lumpur',
    mexico: 'America/Mexico_City',
    'new zealand': 'Pacific/Auckland',
    nigeria: 'Africa/Lagos',
    philippines: 'Asia/Manila',
    romania: 'Europe/Bucharest',
    slovakia: 'Europe/Bratislava',
    slovenia: 'Europe/Ljubljana',
    'south korea': 'Asia/Seoul',
    taiwan: 'Asia/Taipei',
    thailand: 'Asia/Bangkok',
    turkey: 'Europe/Istanbul',
    ukraine: 'Europe/Kyiv',
    vietnam: 'Asia/Ho_Chi_Minh',
  }),
);

/** The IANA zone of a country name (any case), or '' when unknown. */
export function timeZoneOfCountry(country: string): string {
  return COUNTRY_TIME_ZONES.get(country.trim().toLowerCase()) ?? '';
}

/** The names this map knows (lower case), for tests and docs. */
export function knownCountries(): string[] {
  return [...COUNTRY_TIME_ZONES.keys()];
}
